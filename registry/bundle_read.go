package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/provcheck/provcheck/internal/fingerprint"
)

// bundleReader decodes a bundle value by value: the top-level object, its
// cases and their media and frames are walked token by token, and each
// leaf value is decoded on its own under a byte limit (limits.go). Long
// runs of whitespace between tokens are squeezed before the decoder sees
// them (it would buffer them), so neither padding nor one huge string
// makes it hold much more than the largest allowed value.
type bundleReader struct {
	raw *trackingReader
	sq  *squeezer
	dec *json.Decoder
}

// newBundleReader reads at most max bytes of r (no limit when max <= 0).
func newBundleReader(r io.Reader, max int64) *bundleReader {
	raw := &trackingReader{r: r, max: max, lines: 1, col: 1}
	sq := &squeezer{r: raw, buf: make([]byte, 64<<10)}
	dec := json.NewDecoder(sq)
	dec.DisallowUnknownFields()
	return &bundleReader{raw: raw, sq: sq, dec: dec}
}

// errValueTooLarge is returned by the reader when a value passes its limit.
var errValueTooLarge = errors.New("value too large")

// trackingReader bounds the bytes of a bundle and remembers the recent
// input, to say at which line and column an error is.
type trackingReader struct {
	r      io.Reader
	max    int64 // bytes in all; no limit when <= 0
	pos    int64 // bytes read
	tooBig bool  // the bundle is over max

	recent      []byte // the input from recentStart to pos
	recentStart int64
	lines, col  int // line and column (from 1) at recentStart
	err         error
}

const recentKeep = 1 << 20

func (t *trackingReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if t.max > 0 && t.pos >= t.max {
		// One byte more tells a bundle of exactly max bytes from a larger one.
		var one [1]byte
		if n, _ := io.ReadFull(t.r, one[:]); n == 0 {
			return 0, io.EOF
		}
		t.tooBig = true
		t.err = fmt.Errorf("bundle is larger than %d bytes", t.max)
		return 0, t.err
	}
	if t.max > 0 {
		p = p[:min(int64(len(p)), t.max-t.pos)]
	}
	n, err := t.r.Read(p)
	t.pos += int64(n)
	t.recent = append(t.recent, p[:n]...)
	if len(t.recent) > 2*recentKeep {
		drop := t.recent[:len(t.recent)-recentKeep]
		t.lines, t.col = advance(t.lines, t.col, drop)
		t.recentStart += int64(len(drop))
		t.recent = append(t.recent[:0], t.recent[len(drop):]...)
	}
	if err != nil && err != io.EOF {
		t.err = &readError{err}
		return n, t.err
	}
	return n, err
}

// readError is a failure of the underlying reader, not of the bundle.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func advance(line, col int, b []byte) (int, int) {
	for _, c := range b {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// where says where raw input offset off is: "line L:C", or "byte N" when
// it is no longer remembered.
func (t *trackingReader) where(off int64) string {
	if off < t.recentStart || off > t.pos {
		return fmt.Sprintf("byte %d", off)
	}
	l, c := advance(t.lines, t.col, t.recent[:off-t.recentStart])
	return fmt.Sprintf("line %d:%d", l, c)
}

// maxSpaceRun is the longest run of whitespace outside strings passed on
// to the decoder; the rest of a longer run is dropped. It is well below
// the smallest value limit, so a squeezed run never makes a value too
// large.
const maxSpaceRun = 1 << 10

// squeezer passes JSON on, dropping whitespace outside strings beyond
// maxSpaceRun bytes in a row, and bounds the bytes the decoder may read
// while one value is decoded.
type squeezer struct {
	r        io.Reader
	buf      []byte
	pending  []byte // read from r, not yet passed on
	err      error  // r's error, returned once pending is empty
	pos      int64  // bytes passed on
	limit    int64  // pos may not pass this; 0: no limit
	inString bool
	escaped  bool
	run      int // whitespace bytes in a row outside strings
	dropping bool
	rawPos   int64  // raw bytes consumed
	marks    []mark // where dropping changed the offsets
}

// mark says that output offset out is raw offset raw.
type mark struct{ out, raw int64 }

func (s *squeezer) Read(p []byte) (int, error) {
	if s.limit > 0 {
		if s.pos >= s.limit {
			return 0, errValueTooLarge
		}
		p = p[:min(int64(len(p)), s.limit-s.pos)]
	}
	for {
		if len(s.pending) == 0 {
			if s.err != nil {
				return 0, s.err
			}
			n, err := s.r.Read(s.buf)
			s.pending, s.err = s.buf[:n], err
			continue
		}
		out := 0
		i := 0
		for ; i < len(s.pending) && out < len(p); i++ {
			c := s.pending[i]
			s.rawPos++
			if s.inString {
				switch {
				case s.escaped:
					s.escaped = false
				case c == '\\':
					s.escaped = true
				case c == '"':
					s.inString = false
				}
				p[out] = c
				out++
				continue
			}
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				s.run++
				if s.run > maxSpaceRun {
					s.dropping = true
					continue
				}
			} else {
				s.run = 0
				if c == '"' {
					s.inString = true
				}
				if s.dropping {
					s.dropping = false
					s.marks = append(s.marks, mark{s.pos + int64(out), s.rawPos - 1})
				}
			}
			p[out] = c
			out++
		}
		s.pending = s.pending[i:]
		s.pos += int64(out)
		if out > 0 {
			return out, nil
		}
	}
}

// rawOffset turns a decoder offset into a raw input offset.
func (s *squeezer) rawOffset(off int64) int64 {
	raw := off
	for _, m := range s.marks {
		if m.out > off {
			break
		}
		raw = m.raw + (off - m.out)
	}
	return raw
}

// where says where decoder offset off is in the input.
func (br *bundleReader) where(off int64) string { return br.raw.where(br.sq.rawOffset(off)) }

// fail describes a decoding error at path.
func (br *bundleReader) fail(path string, err error) error {
	var syn *json.SyntaxError
	var re *readError
	at := func(p string) string {
		if p == "" {
			return "bundle: "
		}
		return "bundle: " + p + ": "
	}
	switch {
	case errors.As(err, &re):
		return re // the reader failed: the caller's error, as it is
	case br.raw.tooBig:
		return fmt.Errorf("bundle: larger than %d bytes", br.raw.max)
	case errors.Is(err, errValueTooLarge):
		return fmt.Errorf("%sthe value is too large (at %s)", at(path), br.where(br.dec.InputOffset()))
	case errors.As(err, &syn):
		return fmt.Errorf("%s%s: %v", at(path), br.where(syn.Offset), err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%sunexpected end of the bundle (at %s)", at(path), br.raw.where(br.raw.pos))
	}
	return fmt.Errorf("%s%v (at %s)", at(path), err, br.where(br.dec.InputOffset()))
}

// value decodes the next value into v, reading at most limit bytes more.
func (br *bundleReader) value(path string, v any, limit int64) error {
	br.sq.limit = br.sq.pos + limit
	start := br.dec.InputOffset()
	err := br.dec.Decode(v)
	br.sq.limit = 0
	if err != nil {
		// Offsets inside a decoded value are relative to it: the value's
		// start is where to look.
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("bundle: %s: %v (in the value at %s)", path, syn, br.where(start))
		case errors.As(err, &typ):
			p := path
			if typ.Field != "" {
				p += "." + typ.Field
			}
			return fmt.Errorf("bundle: %s: %s is not a valid %s (at %s)", p, typ.Value, typ.Type, br.where(start))
		}
		return br.fail(path, err)
	}
	return nil
}

// token reads the next token, with keys bounded in length.
func (br *bundleReader) token(path string) (json.Token, error) {
	br.sq.limit = br.sq.pos + maxKeyJSON
	tok, err := br.dec.Token()
	br.sq.limit = 0
	if err != nil {
		return nil, br.fail(path, err)
	}
	return tok, nil
}

// object walks an object, calling field for each key; null is accepted as
// an empty object. Unknown keys are refused.
func (br *bundleReader) object(path string, field func(key, path string) (known bool, err error)) error {
	tok, err := br.token(path)
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("bundle: %s: want an object, got %v (at %s)", orTop(path), tok, br.where(br.dec.InputOffset()))
	}
	for br.dec.More() {
		tok, err := br.token(path)
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		kp := key
		if path != "" {
			kp = path + "." + key
		}
		known, err := field(key, kp)
		if err != nil {
			return err
		}
		if !known {
			return fmt.Errorf("bundle: %s: unknown field %q (at %s)", orTop(path), clip(key), br.where(br.dec.InputOffset()))
		}
	}
	_, err = br.token(path) // '}'
	return err
}

// array walks an array, calling elem for each element, at most max of
// them; null is accepted as an empty array.
func (br *bundleReader) array(path string, max int, elem func(i int, path string) error) error {
	tok, err := br.token(path)
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("bundle: %s: want an array, got %v (at %s)", path, tok, br.where(br.dec.InputOffset()))
	}
	for i := 0; br.dec.More(); i++ {
		if i >= max {
			return fmt.Errorf("bundle: %s: more than %d elements", path, max)
		}
		if err := elem(i, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	_, err = br.token(path) // ']'
	return err
}

// jsonField returns a pointer to the field of the struct *v whose JSON
// name is key, or nil: fields the walk does not stream are decoded whole
// (under maxFieldJSON), so new fields need no change here.
func jsonField(v any, key string) any {
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == key && name != "-" && rt.Field(i).IsExported() {
			return rv.Field(i).Addr().Interface()
		}
	}
	return nil
}

// skip reads past the next value, whatever it is, one token at a time
// (each bounded by maxFieldJSON, the largest value a bundle may hold).
func (br *bundleReader) skip(path string) error {
	depth := 0
	for {
		br.sq.limit = br.sq.pos + maxFieldJSON
		tok, err := br.dec.Token()
		br.sq.limit = 0
		if err != nil {
			return br.fail(path, err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func orTop(path string) string {
	if path == "" {
		return "the bundle"
	}
	return path
}

// bundle reads the bundle, passing each case that was read whole to
// onCase instead of keeping it: b.Cases stays empty.
func (br *bundleReader) bundle(onCase func(i int, c Case) error) (Bundle, error) {
	var b Bundle
	err := br.object("", func(key, path string) (bool, error) {
		switch key {
		case "format":
			return true, br.value(path, &b.Format, maxKeyJSON)
		case "version":
			return true, br.value(path, &b.Version, maxKeyJSON)
		case "exported_at":
			return true, br.value(path, &b.ExportedAt, maxKeyJSON)
		case "cases":
			return true, br.array(path, maxBundleCases, func(i int, path string) error {
				c, err := br.aCase(path)
				if err != nil {
					return err
				}
				return onCase(i, c)
			})
		case "stop_frames":
			return true, br.array(path, MaxStopFrames, func(_ int, path string) error {
				var f StopFrame
				err := br.value(path, &f, maxFieldJSON)
				b.StopFrames = append(b.StopFrames, f)
				return err
			})
		}
		if v := jsonField(&b, key); v != nil {
			return true, br.value(path, v, maxFieldJSON)
		}
		return false, nil
	})
	if err != nil {
		return Bundle{}, err
	}
	// Nothing but whitespace may follow.
	if _, err := br.dec.Token(); err != io.EOF {
		if br.raw.tooBig {
			return Bundle{}, br.fail("", err)
		}
		return Bundle{}, errors.New("bundle: trailing data after the JSON object")
	}
	return b, nil
}

// maxBundleCases bounds the cases of one bundle.
const maxBundleCases = 1_000_000

func (br *bundleReader) aCase(path string) (Case, error) {
	var c Case
	err := br.object(path, func(key, path string) (bool, error) {
		var v any
		switch key {
		case "id":
			v = &c.ID
		case "title":
			v = &c.Title
		case "claim":
			v = &c.Claim
		case "rating":
			v = &c.Rating
		case "category":
			v = &c.Category
		case "tags":
			v = &c.Tags
		case "first_seen":
			v = &c.FirstSeen
		case "created_at":
			v = &c.CreatedAt
		case "updated_at":
			v = &c.UpdatedAt
		case "fact_checks":
			v = &c.FactChecks
		case "media":
			return true, br.array(path, MaxMedia, func(_ int, path string) error {
				m, err := br.medium(path)
				c.Media = append(c.Media, m)
				return err
			})
		default:
			if v = jsonField(&c, key); v == nil {
				return false, nil
			}
		}
		return true, br.value(path, v, maxFieldJSON)
	})
	return c, err
}

func (br *bundleReader) medium(path string) (Media, error) {
	var m Media
	err := br.object(path, func(key, path string) (bool, error) {
		var v any
		switch key {
		case "sha256":
			v = &m.SHA256
		case "name":
			v = &m.Name
		case "note":
			v = &m.Note
		case "added_at":
			v = &m.AddedAt
		case "fingerprint":
			return true, br.fingerprint(path, &m.Fingerprint)
		case "thumbnails":
			return true, br.array(path, MaxFrames, func(_ int, path string) error {
				var t Thumbnail
				err := br.value(path, &t, maxThumbnailJSON)
				m.Thumbnails = append(m.Thumbnails, t)
				return err
			})
		default:
			if v = jsonField(&m, key); v == nil {
				return false, nil
			}
		}
		return true, br.value(path, v, maxFieldJSON)
	})
	return m, err
}

func (br *bundleReader) fingerprint(path string, fp *fingerprint.Fingerprint) error {
	return br.object(path, func(key, path string) (bool, error) {
		var v any
		switch key {
		case "kind":
			v = &fp.Kind
		case "format":
			v = &fp.Format
		case "codec":
			v = &fp.Codec
		case "width":
			v = &fp.Width
		case "height":
			v = &fp.Height
		case "duration_s":
			v = &fp.Duration
		case "fps":
			v = &fp.FPS
		case "frames":
			fp.Frames = []fingerprint.Frame{}
			return true, br.array(path, MaxFrames, func(_ int, path string) error {
				var f bundleFrame
				err := br.value(path, &f, maxFrameJSON)
				fp.Frames = append(fp.Frames, f.Frame)
				return err
			})
		default:
			if v = jsonField(fp, key); v == nil {
				return false, nil
			}
		}
		return true, br.value(path, v, maxFieldJSON)
	})
}

// bundleFrame is a frame as bundles carry it. Bundles written before
// registry schema 8 also give each frame its 64-bit "phash" and "dhash":
// they are read and dropped, as the registry no longer stores them.
type bundleFrame struct {
	fingerprint.Frame
	PHash json.RawMessage `json:"phash"`
	DHash json.RawMessage `json:"dhash"`
}
