package format_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

// TestParseDotenvLoneCR: a carriage return without a newline used to be
// part of an unquoted value, so "a=b\rc=d" stored "b\rc=d" and dropped c
// without a word (issue #11). It ends a line, as in godotenv and
// python-dotenv; inside quotes it stays part of the value.
func TestParseDotenvLoneCR(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []format.DotenvPair
	}{
		{"between unquoted values", "a=b\rc=d", []format.DotenvPair{pair("a", "b"), pair("c", "d")}},
		{"old Mac file", "# settings\rA=1\rexport B=two words # c\r\rC=\r", []format.DotenvPair{pair("A", "1"), pair("B", "two words"), pair("C", "")}},
		{"after a closing quote", "A='x'\rB=\"y\" # c\rC=3", []format.DotenvPair{pair("A", "x"), pair("B", "y"), pair("C", "3")}},
		{"kept inside quotes", "A='x\ry'\rB=\"1\r2\"\r", []format.DotenvPair{pair("A", "x\ry"), pair("B", "1\r2")}},
		{"CR LF is still one line end", "A=1\r\n\r\nB=2\r\n", []format.DotenvPair{pair("A", "1"), pair("B", "2")}},
		{"a variable named export before a CR", "export=1\rexport\r=2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := format.ParseDotenv([]byte(tt.in))
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParseDotenv = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDotenv: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDotenv = %q\nwant %q", got, tt.want)
			}
		})
	}
	// Lines are counted at lone CRs too, so errors point at the right one.
	_, err := format.ParseDotenv([]byte("A=1\rB=2\r\nC='hunter2\n"))
	var de *format.DotenvError
	if !errors.As(err, &de) || de.Line != 3 || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v, want line 3 without the value", err)
	}
}

// TestParseDotenvContinuation: inside double quotes a backslash at the end
// of a line joins the lines, as in sh; MarshalDotenv writes one before the
// closing quote of a value that ends in a backslash.
func TestParseDotenvContinuation(t *testing.T) {
	got, err := format.ParseDotenv([]byte("A=\"ab\\\ncd\"\nB=\"end\\\\\\\n\"\nC='x\\\ny'\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []format.DotenvPair{pair("A", "abcd"), pair("B", `end\`), pair("C", "x\\\ny")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseDotenv = %q\nwant %q", got, want)
	}
}

// TestParseDotenvNotes: what tresor reads differently from godotenv, docker
// compose or python-dotenv is reported per key, so that import can say so
// instead of storing a value those users do not expect without a word.
func TestParseDotenvNotes(t *testing.T) {
	note := func(line int, key, reason string) format.DotenvNote {
		return format.DotenvNote{Line: line, Key: key, Reason: reason}
	}
	tests := []struct {
		name string
		in   string
		want []format.DotenvNote
	}{
		{"nothing to say", "A=plain\nB='$HOME \\x'\nC=\"\\$HOME \\n\"\nD=a$\nE=\"$ \"\nF=x#y\n", nil},
		{"a reference, unquoted", "A=1\nURL=http://${HOST}:$PORT/\n", []format.DotenvNote{note(2, "URL", format.NoteExpansion)}},
		{"a reference, double-quoted", "A=\"pa$$word\"\nB=\"$(id)\"\n", []format.DotenvNote{note(1, "A", format.NoteExpansion), note(2, "B", format.NoteExpansion)}},
		{"no note for single quotes or \\$", "A='${X}'\nB=\"\\${X}\"\n", nil},
		{"an empty value before a comment", "A= #hunter2\nB=\t# c\nC=#not a comment\n", []format.DotenvNote{note(1, "A", format.NoteCommentIsEmpty), note(2, "B", format.NoteCommentIsEmpty)}},
		{"two backslashes in single quotes", "A='C:\\\\dir'\n", []format.DotenvNote{note(1, "A", format.NoteSingleBackslash)}},
		{"unknown escapes, once per key", "A=\"\\d+\\.\\!\"\n", []format.DotenvNote{note(1, "A", format.NoteUnknownEscape)}},
		{"continuation", "A=\"x\\\ny\"\n", []format.DotenvNote{note(2, "A", format.NoteContinuation)}},
		{"lone CR, once per file", "A=1\rB=2\rC=3\n", []format.DotenvNote{note(1, "", format.NoteLoneCR)}},
		{"several reasons for one key", "A=\"${X} \\d\"\n", []format.DotenvNote{note(1, "A", format.NoteExpansion), note(1, "A", format.NoteUnknownEscape)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, notes, err := format.ParseDotenvNotes([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(notes, tt.want) {
				t.Fatalf("notes = %+v\nwant %+v", notes, tt.want)
			}
			for _, n := range notes {
				if strings.Contains(n.Reason, "hunter2") || strings.Contains(n.Reason, "HOST") {
					t.Fatalf("note %q names part of a value", n.Reason)
				}
			}
		})
	}
	// A file that does not parse has no notes.
	if pairs, notes, err := format.ParseDotenvNotes([]byte("A=${X}\nB='x\n")); err == nil || pairs != nil || notes != nil {
		t.Fatalf("ParseDotenvNotes of a broken file = %q, %+v, %v", pairs, notes, err)
	}
}
