package claimreview

import (
	"bytes"
	"strings"
)

// scriptBlocks returns the contents of the <script type="application/ld+json">
// elements of an HTML page, in order, with the line each starts on. Script
// content is raw text in HTML: it ends at the first "</script"; comments
// are skipped. Nothing is fetched or run.
func scriptBlocks(page []byte) []block {
	lower := bytes.ToLower(page)
	var out []block
	for i := 0; i < len(lower); {
		j := bytes.IndexByte(lower[i:], '<')
		if j < 0 {
			break
		}
		i += j
		if bytes.HasPrefix(lower[i:], []byte("<!--")) {
			end := bytes.Index(lower[i+4:], []byte("-->"))
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		if !bytes.HasPrefix(lower[i:], []byte("<script")) || i+7 >= len(lower) || !isSpaceOrEnd(lower[i+7]) {
			i++
			continue
		}
		tagEnd := bytes.IndexByte(lower[i:], '>')
		if tagEnd < 0 {
			break
		}
		attrs := string(page[i+7 : i+tagEnd])
		start := i + tagEnd + 1
		end := bytes.Index(lower[start:], []byte("</script"))
		if end < 0 {
			end = len(lower) - start
		}
		if isJSONLD(attrs) {
			out = append(out, block{data: page[start : start+end], line: 1 + bytes.Count(page[:start], []byte("\n"))})
		}
		i = start + end
	}
	return out
}

func isSpaceOrEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '>' || c == '/'
}

// isJSONLD reports whether a script tag's attributes say type
// application/ld+json (quoted or not, any case, parameters allowed).
func isJSONLD(attrs string) bool {
	for _, a := range splitAttrs(attrs) {
		name, val, _ := strings.Cut(a, "=")
		if strings.EqualFold(strings.TrimSpace(name), "type") {
			val = strings.Trim(strings.TrimSpace(val), `"'`)
			mt, _, _ := strings.Cut(val, ";")
			return strings.EqualFold(strings.TrimSpace(mt), "application/ld+json")
		}
	}
	return false
}

// splitAttrs splits `a="x y" b=c d` into its attributes.
func splitAttrs(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	// "type = x" written with spaces around "=".
	var merged []string
	for i := 0; i < len(out); i++ {
		if i+1 < len(out) && (out[i+1] == "=" || strings.HasPrefix(out[i+1], "=")) || strings.HasSuffix(out[i], "=") && i+1 < len(out) {
			a := out[i] + out[i+1]
			i++
			if strings.HasSuffix(a, "=") && i+1 < len(out) {
				a += out[i+1]
				i++
			}
			merged = append(merged, a)
			continue
		}
		merged = append(merged, out[i])
	}
	return merged
}
