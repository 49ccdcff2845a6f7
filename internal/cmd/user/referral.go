package user

import "strconv"

// formatID shows an optional account id: "" when there is none.
func formatID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
