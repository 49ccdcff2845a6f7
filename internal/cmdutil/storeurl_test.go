package cmdutil

import "testing"

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/var/lib/acctl.db", "/var/lib/acctl.db"},
		{"sqlite:~/a.db", "sqlite:~/a.db"},
		{"postgres://acctl@db/acctl", "postgres://acctl@db/acctl"},
		{"postgres://acctl:s3cret@db:5432/acctl?sslmode=require", "postgres://acctl:xxxxx@db:5432/acctl?sslmode=require"},
		{" postgresql://u:p%40ss@db/x ", "postgresql://u:xxxxx@db/x"},
		{"postgres://db/acctl?user=u&password=s3cret", "postgres://db/acctl?password=xxxxx&user=u"},
		{"postgres://u:s3cret@db:xx/x?a=b", "postgres://xxxxx@db:xx/x?xxxxx"}, // not a valid URL
	} {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
