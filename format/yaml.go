package format

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrNotCanonical is wrapped when a document parses but is not byte for byte
// what tresor writes. tresor files are written by tresor; accepting other
// spellings would let two different files carry the same meaning, which the
// hashes in the journal must never have to reason about.
var ErrNotCanonical = errors.New("not in the canonical form tresor writes")

// encodeYAML writes v as block YAML with two-space indentation.
func encodeYAML(v any) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		// Only our own types reach here, and they always encode.
		panic(fmt.Sprintf("format: encoding %T: %v", v, err))
	}
	enc.Close()
	return buf.Bytes()
}

// decodeCanonical decodes b into v, refusing unknown fields, more than one
// document and any spelling that does not re-encode to exactly b.
func decodeCanonical(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed YAML: %s", yamlErrorLine(err))
	}
	if !bytes.Equal(encodeYAML(v), b) {
		return ErrNotCanonical
	}
	return nil
}

// yamlErrorLine keeps the parser's message short and single-line. The yaml
// package's messages name lines and fields, never values, except for type
// errors, which quote the offending scalar; those are reduced to their line.
func yamlErrorLine(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		// "line 3: cannot unmarshal !!str `hunter2` into int": cut at the quote.
		if i := strings.IndexByte(msg, '`'); i > 0 {
			msg = msg[:i] + "(value omitted)"
		}
		return msg
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// flowMapping returns a mapping node in flow style ({a: 1, b: 2}) holding
// the given key/value pairs, skipping pairs whose value node is nil.
func flowMapping(pairs ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for i := 0; i+1 < len(pairs); i += 2 {
		val, ok := pairs[i+1].(*yaml.Node)
		if !ok || val == nil {
			continue
		}
		n.Content = append(n.Content, scalar(pairs[i].(string)), val)
	}
	return n
}

func scalar(s string) *yaml.Node {
	n := &yaml.Node{}
	n.SetString(s)
	return n
}

func flowSequence(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		n.Content = append(n.Content, scalar(it))
	}
	return n
}

// checkTag reads only the "tresor:" line of a document, so that a file of a
// newer format version is reported as such rather than as unknown fields.
func checkTag(b []byte, want, what string) error {
	var doc struct {
		Tresor string `yaml:"tresor"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: malformed YAML: %s", what, yamlErrorLine(err))
	}
	if doc.Tresor == "" {
		return fmt.Errorf("%s: %w: it has no 'tresor:' line", what, ErrNotCanonical)
	}
	if doc.Tresor != want {
		return fmt.Errorf("%w: %s says %q, this tresor reads %q", ErrUnknownVersion, what, doc.Tresor, want)
	}
	return nil
}
