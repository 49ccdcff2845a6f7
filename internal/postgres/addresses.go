package postgres

// addressKeys names the unique keys of addresses as sqlstore's
// Dialect.UniqueKey does, by constraint.
var addressKeys = map[string]string{
	"addresses_kind_value_key":    "addresses(kind,value)",
	"addresses_kind_skeleton_key": "addresses(kind,skeleton)", // 0009
}
