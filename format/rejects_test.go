package format_test

import (
	"errors"
	"strings"
	"testing"
)

// A textEdit spoils a canonical file; the parser must refuse the result.
type textEdit struct {
	name      string
	edit      func(string) string
	wantErr   error  // if set, errors.Is must hold
	wantInErr string // if set, the message must contain it
}

func replace(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

// checkRejects applies each edit to the canonical text and checks that
// parse refuses it with the error the case asks for.
func checkRejects[T any](t *testing.T, canonical string, cases []textEdit, parse func([]byte) (T, error)) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.edit(canonical)
			if in == canonical {
				t.Fatal("edit changed nothing")
			}
			got, err := parse([]byte(in))
			if err == nil {
				t.Fatalf("accepted\n%s\nas %#v", in, got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %q", err, tt.wantErr)
			}
			if tt.wantInErr != "" && !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantInErr)
			}
		})
	}
}
