package phonenumbers

// Upstream is the module version of github.com/nyaruka/phonenumbers that this
// copy follows: that version with acctl.patch applied. update.sh writes it;
// upstream_test.go checks it.
const Upstream = "v1.8.1"
