package vault

import "testing"

func TestClosestName(t *testing.T) {
	st := newVerifiedState()
	for _, n := range []string{"prod/db/password", "prod/db/user", "prod/api/token", "dev/db/password"} {
		st.secrets[n] = "sha256:x"
	}
	for _, tt := range []struct{ in, want string }{
		{"prod/db/pasword", "prod/db/password"},
		{"prod/db/passwrod", "prod/db/password"},
		{"prd/api/token", "prod/api/token"},
		{"nosuch", ""},
		{"staging/db/password", ""},
	} {
		if got := closestName(tt.in, st); got != tt.want {
			t.Errorf("closestName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if d := editDistance("kitten", "sitting", 10); d != 3 {
		t.Errorf("editDistance = %d, want 3", d)
	}
}
