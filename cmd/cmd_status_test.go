package cmd

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/vault"
)

// Colour goes on the STATE cell only when asked (stdout is a terminal and
// NO_COLOR is unset), and the columns stay aligned either way.
func TestStatusTableColour(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	list := []vault.SecretStatus{
		{Name: "prod/db", Conditions: []vault.StatusCondition{vault.StatusOverdue, vault.StatusNever}, When: at.Add(-48 * time.Hour), Due: at.Add(-48 * time.Hour), Every: "30d", EveryFrom: "prod/**"},
		{Name: "app/key", Conditions: []vault.StatusCondition{vault.StatusExpiring}, When: at.Add(72 * time.Hour), Expires: at.Add(72 * time.Hour)},
		{Name: "x", Conditions: []vault.StatusCondition{vault.StatusNever}, When: at.Add(30 * 24 * time.Hour), Due: at.Add(30 * 24 * time.Hour), Every: "30d"},
		{Name: "ok/one"},
	}
	var plain, painted bytes.Buffer
	if err := printStatusTable(&plain, false, at, list); err != nil {
		t.Fatal(err)
	}
	if err := printStatusTable(&painted, true, at, list); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("colour without a terminal:\n%s", plain.String())
	}
	for _, want := range []string{"\x1b[31moverdue,never\x1b[0m", "\x1b[33mexpiring\x1b[0m"} {
		if !strings.Contains(painted.String(), want) {
			t.Errorf("painted table lacks %q:\n%q", want, painted.String())
		}
	}
	if strings.Count(painted.String(), "\x1b[0m") != 2 {
		t.Errorf("only the two states that need doing are painted:\n%q", painted.String())
	}
	// Without the escapes, the painted table is the plain one.
	if got := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(painted.String(), ""); got != plain.String() {
		t.Errorf("colour changed the layout:\n%s\nvs\n%s", got, plain.String())
	}
	want := `SECRET   STATE          WHEN                 EVERY                  DETAIL
prod/db  overdue,never  2029-12-30 (2d ago)  30d (default prod/**)  due 2029-12-30, created 0001-01-01
`
	if !strings.HasPrefix(plain.String(), want) {
		t.Errorf("table\n%s\nwant it to start with\n%s", plain.String(), want)
	}
}

func TestStatusRelative(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "now", 30 * time.Second: "now", -90 * time.Second: "2m ago", 3 * time.Hour: "in 3h",
		30*24*time.Hour - time.Second: "in 30d", -(36*time.Hour + time.Minute): "2d ago", 24 * time.Hour: "in 1d",
	} {
		if got := relative(d); got != want {
			t.Errorf("relative(%v) = %q, want %q", d, got, want)
		}
	}
}
