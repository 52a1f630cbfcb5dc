package format

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// ParseHerokuShell reads what heroku config --shell prints, one KEY=VALUE
// line per config var, and gives back the values Heroku has. Its quoting
// looks like sh but is not (heroku/cli, quote in src/lib/config/quote.ts):
//
//	KEY=plain           no space and none of "#!$&'()*,:;<=>?@[\]^`{|}
//	KEY='a b\\c'        no ' and no newline: every \ is written as \\
//	KEY="it's\n\$5\!"   anything else: " \ $ ` ! escaped by \, a newline as \n
//
// sh reads the single-quoted form with both backslashes, and dotenv readers
// keep \! as two characters, so neither reads these values back; this
// parser undoes exactly what Heroku wrote and refuses, by line number,
// anything Heroku does not write (a \ before another character, text after
// the closing quote, a quote left open), rather than store a different
// value. Lines end in "\n" or "\r\n"; blank lines are skipped. The output
// must be UTF-8 without NUL bytes, and each key a variable name, once.
func ParseHerokuShell(b []byte) ([]DotenvPair, error) {
	if !utf8.Valid(b) {
		return nil, dotenvErrorf(1+bytes.Count(b[:firstInvalidUTF8(b)], []byte("\n")), "not valid UTF-8")
	}
	var pairs []DotenvPair
	seen := map[string]int{}
	for n, line := range strings.Split(string(b), "\n") {
		n++
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if strings.IndexByte(line, 0) >= 0 {
			return nil, dotenvErrorf(n, "contains a NUL byte")
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			return nil, dotenvErrorf(n, "expected KEY=value, as heroku config --shell writes")
		}
		if !ValidEnvName(key) {
			return nil, dotenvErrorf(n, "the variable name is not letters, digits and '_' (not starting with a digit)")
		}
		value, err := herokuValue(raw)
		if err != "" {
			return nil, dotenvErrorf(n, "%s", err)
		}
		if first, ok := seen[key]; ok {
			return nil, dotenvErrorf(n, "%s is already set on line %d", key, first)
		}
		seen[key] = n
		pairs = append(pairs, DotenvPair{Key: key, Value: []byte(value)})
	}
	return pairs, nil
}

// herokuSpecial are the characters that make Heroku quote a value, less
// whitespace (any Unicode space, as JavaScript's \s).
const herokuSpecial = "\"#!$&'()*,:;<=>?@[\\]^`{|}"

// herokuValue undoes Heroku's quoting of one value, or says (without any
// part of the value) why raw is not something Heroku writes.
func herokuValue(raw string) (string, string) {
	if raw == "" {
		return "", ""
	}
	quote := raw[0]
	if quote != '\'' && quote != '"' {
		if strings.ContainsAny(raw, herokuSpecial+" \t\v\f\r") {
			return "", "an unquoted value with a space or one of " + herokuSpecial + ", which heroku config --shell quotes"
		}
		return raw, ""
	}
	var v strings.Builder
	for i := 1; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == quote:
			if i != len(raw)-1 {
				return "", "unexpected text after the closing quote"
			}
			return v.String(), ""
		case c != '\\':
			v.WriteByte(c)
		case i+1 == len(raw):
			return "", "a backslash at the end of the line"
		default:
			i++
			switch e := raw[i]; {
			case quote == '\'' && (e == '\\' || e == '\''):
				v.WriteByte(e)
			case quote == '"' && strings.IndexByte("\"\\$`!", e) >= 0:
				v.WriteByte(e)
			case quote == '"' && e == 'n':
				v.WriteByte('\n')
			default:
				return "", "a backslash before a character heroku config --shell does not escape"
			}
		}
	}
	return "", "the quoted value is not closed on its line"
}
