package cmdutil

import "github.com/spf13/pflag"

// Paging is the command-line of a list that comes in pages, for scripts
// that page without reading stderr (where the next page's command is
// printed): --all prints every page, streamed, as one list; --page-object
// prints, with -o json, the page as an object with its next cursor
// ("next_cursor", "" on the last page).
type Paging struct {
	All        bool
	PageObject bool
}

// AddFlags adds --all and --page-object; shape is the page object, as
// --page-object's help shows it: {"users": [...], "next_cursor": CURSOR}.
func (pg *Paging) AddFlags(fl *pflag.FlagSet, noun, shape string) {
	fl.BoolVar(&pg.All, "all", false, "list every page, streamed (--limit "+noun+" a page)")
	fl.BoolVar(&pg.PageObject, "page-object", false, "with -o json, print "+shape)
}

// Check refuses --all with --page-object (usage, exit 2).
func (pg *Paging) Check() error {
	if pg.All && pg.PageObject {
		return UsageErrorf("--all and --page-object: choose one (--all has no next page)")
	}
	return nil
}

// CheckFormat refuses --page-object with another format than JSON.
func (pg *Paging) CheckFormat(p *Printer) error {
	if pg.PageObject && !p.JSON() {
		return UsageErrorf("--page-object: needs -o json (with another format, use --all)")
	}
	return nil
}

// PrintAllPages prints every page of a list, from cursor on, as one
// list, a page at a time: one JSON array (streamed, never held whole),
// one header for the table and the CSV. page reads the page at a cursor
// and returns its items and the next page's cursor ("" after the last);
// row makes an item's cells; t gives the columns, Empty, Shrink and Drop.
func PrintAllPages[T any](p *Printer, t Table, cursor string, page func(cursor string) ([]T, string, error), row func(T) []string) error {
	var arr *JSONArray
	if p.JSON() {
		arr = p.JSONArray()
	}
	for first := true; ; first = false {
		items, next, err := page(cursor)
		if err != nil {
			return err
		}
		if arr != nil {
			for i := range items {
				if err := arr.Add(&items[i]); err != nil {
					return err
				}
			}
		} else if len(items) > 0 || first {
			pt := t
			pt.Rows, pt.NoHeader, pt.JSON = make([][]string, len(items)), !first, nil
			for i := range items {
				pt.Rows[i] = row(items[i])
			}
			if !first {
				pt.Empty = ""
			}
			if err := p.PrintTable(pt); err != nil {
				return err
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if arr != nil {
		return arr.Close()
	}
	return nil
}
