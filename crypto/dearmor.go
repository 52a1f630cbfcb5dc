package crypto

import (
	"bytes"
	"encoding/base64"

	"filippo.io/age/armor"
)

// Armor lines: 64 columns of standard base64, 48 bytes each.
const (
	armorColumns      = 64
	armorBytesPerLine = 48
)

// dearmor decodes the canonical form of age's ASCII armor, the only form
// age's own writer (and so tresor) produces: the header line, full lines of
// 64 columns, one last line of 1 to 64 columns, the footer and a final
// newline, all with "\n" line ends. It accepts a subset of what
// armor.NewReader accepts and yields the same bytes (a fuzz test holds it
// to that); anything else returns ok == false and goes to age's reader. It
// exists because age's reader costs a buffered reader, a line slice and a
// copy per line, which shows when thousands of secrets are read at once.
func dearmor(armored []byte) (out []byte, ok bool) {
	rest, found := bytes.CutPrefix(armored, []byte(armor.Header+"\n"))
	if !found {
		return nil, false
	}
	body, found := bytes.CutSuffix(rest, []byte("\n"+armor.Footer+"\n"))
	if !found || len(body) == 0 {
		return nil, false
	}
	lines := (len(body) + armorColumns) / (armorColumns + 1)
	out = make([]byte, 0, lines*armorBytesPerLine)
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
			if len(line) != armorColumns || len(body) == 0 {
				return nil, false // a short line that is not the last, or an empty last line
			}
		} else {
			body = nil
		}
		if len(line) == 0 || len(line) > armorColumns || bytes.IndexByte(line, '\r') >= 0 {
			return nil, false // base64 would skip a '\r'; age refuses it
		}
		n, err := base64.StdEncoding.Strict().Decode(out[len(out):cap(out)], line)
		if err != nil {
			return nil, false
		}
		if n < armorBytesPerLine && len(body) > 0 {
			return nil, false // padding before the last line
		}
		out = out[:len(out)+n]
	}
	return out, true
}
