// Package hashlist reads and writes the hash lists trust-and-safety teams
// exchange instead of media:
//
//   - te-csv: python-threatexchange's signal CSV (`threatexchange dataset
//     -P --csv`: signal_type, signal_str, collab, category, tags, with or
//     without that header), and ThreatExchange PDQ text lines
//     (pdq_hex,quality[,name], as Meta's pdq-photo-hasher prints them);
//   - hma-json: Hasher-Matcher-Actioner bank content — an object or a list
//     of objects with "signals" ({"pdq": hex, "vpdq": compact list}) and
//     optional "metadata" and "note", or bare {"pdq": …} signal maps.
//
// PDQ signals become registered stills, vPDQ signals registered videos;
// other signal types (video MD5, URLs, text) are counted and skipped.
package hashlist

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/jsonlist"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/vpdq"
	"github.com/provcheck/provcheck/registry"
)

// Signal type names, as python-threatexchange and HMA spell them.
const (
	TypePDQ  = "pdq"
	TypeVPDQ = "vpdq"
)

// MaxBytes bounds a list Read accepts.
const MaxBytes = 256 << 20

// List is what a hash list gave: media to register, and how many signals
// of types provcheck does not use were skipped.
type List struct {
	Media   []registry.Media
	Skipped map[string]int // by signal type
}

// DefaultPDQQuality is the quality given to a PDQ signal that comes
// without one (python-threatexchange signals are the hash alone): such a
// hash was shared because it was worth matching.
const DefaultPDQQuality = 100

// PDQMedia registers one PDQ hash as a still.
func PDQMedia(h pdq.Hash, quality int, name, note string) registry.Media {
	sum := sha256.Sum256([]byte("pdq:" + h.String()))
	return registry.Media{SHA256: hex.EncodeToString(sum[:]), Name: name, Note: note,
		Fingerprint: fingerprint.Fingerprint{Kind: media.KindImage, Format: "pdq",
			Frames: []fingerprint.Frame{{PDQ: h, Quality: quality}}}}
}

// VPDQMedia registers vPDQ features as a video.
func VPDQMedia(fs []vpdq.Feature, name, note string) registry.Media {
	return registry.Media{SHA256: vpdq.Digest(fs), Name: name, Note: note, Fingerprint: vpdq.Fingerprint(fs)}
}

func (l *List) add(typ, signal, name, note, where string) error {
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case TypePDQ, "hash_pdq", "pdq_hash":
		h, err := pdq.Parse(strings.TrimSpace(signal))
		if err != nil {
			return fmt.Errorf("%s: pdq signal %q: %v", where, signal, err)
		}
		l.Media = append(l.Media, PDQMedia(h, DefaultPDQQuality, name, note))
	case TypeVPDQ, "hash_vpdq":
		fs, err := vpdq.ParseSignal(signal)
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		l.Media = append(l.Media, VPDQMedia(fs, name, note))
	default:
		if l.Skipped == nil {
			l.Skipped = map[string]int{}
		}
		l.Skipped[typ]++
	}
	return nil
}

// ReadTECSV reads a python-threatexchange signal CSV or PDQ text lines.
func ReadTECSV(r io.Reader, source string) (List, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return List{}, err
	}
	if len(data) > MaxBytes {
		return List{}, fmt.Errorf("larger than %d bytes", MaxBytes)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	var l List
	col := map[string]int{"signal_type": 0, "signal_str": 1, "collab": 2, "category": 3, "tags": 4}
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return List{}, fmt.Errorf("line %d: %v", row, err)
		}
		if len(rec) == 0 || len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		where := fmt.Sprintf("line %d", row)
		if row == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "signal_type") || slicesContainsFold(rec, "signal_str") {
			col = map[string]int{}
			for i, h := range rec {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			if _, ok := col["signal_type"]; !ok {
				return List{}, fmt.Errorf("%s: the header has no signal_type column", where)
			}
			if _, ok := col["signal_str"]; !ok {
				return List{}, fmt.Errorf("%s: the header has no signal_str column", where)
			}
			continue
		}
		// ThreatExchange PDQ text: pdq_hex,quality[,name].
		if h, err := pdq.Parse(strings.TrimSpace(rec[0])); err == nil {
			q := DefaultPDQQuality
			if len(rec) > 1 {
				if q, err = strconv.Atoi(strings.TrimSpace(rec[1])); err != nil || q < 0 || q > 100 {
					return List{}, fmt.Errorf("%s: quality %q is not 0..100", where, rec[1])
				}
			}
			name := ""
			if len(rec) > 2 {
				name = strings.TrimSpace(rec[2])
			}
			l.Media = append(l.Media, PDQMedia(h, q, name, "PDQ hash imported from "+source))
			continue
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		typ, sig := get("signal_type"), get("signal_str")
		if typ == "" || sig == "" {
			return List{}, fmt.Errorf("%s: want signal_type,signal_str[,collab,category,tags], or pdq_hex,quality", where)
		}
		note := fmt.Sprintf("%s signal imported from %s", typ, source)
		for _, k := range []string{"collab", "category", "tags"} {
			if v := get(k); v != "" {
				note += fmt.Sprintf("; %s: %s", k, v)
			}
		}
		if err := l.add(typ, sig, get("collab"), note, where); err != nil {
			return List{}, err
		}
	}
	if len(l.Media) == 0 && len(l.Skipped) == 0 {
		return List{}, errors.New("no signals")
	}
	return l, nil
}

func slicesContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

// HMAContent is one entry of an HMA JSON list.
type HMAContent struct {
	ID       any               `json:"id,omitempty"`
	Signals  map[string]string `json:"signals"`
	Metadata *HMAMetadata      `json:"metadata,omitempty"`
	Note     string            `json:"note,omitempty"`
}

// HMAMetadata is HMA's BankedContentMetadata.
type HMAMetadata struct {
	ContentID  string          `json:"content_id,omitempty"`
	ContentURI string          `json:"content_uri,omitempty"`
	JSON       json.RawMessage `json:"json,omitempty"`
}

// ReadHMAJSON reads HMA bank content: one object or a list.
func ReadHMAJSON(r io.Reader, source string) (List, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return List{}, err
	}
	if len(data) > MaxBytes {
		return List{}, fmt.Errorf("larger than %d bytes", MaxBytes)
	}
	var raw []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return List{}, fmt.Errorf("invalid JSON: %v", err)
		}
	} else {
		raw = []json.RawMessage{trimmed}
	}
	var l List
	for i, item := range raw {
		where := fmt.Sprintf("[%d]", i)
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(item, &probe); err != nil {
			return List{}, fmt.Errorf("%s: want an object: %v", where, err)
		}
		var c HMAContent
		if _, ok := probe["signals"]; ok {
			if err := json.Unmarshal(item, &c); err != nil {
				return List{}, fmt.Errorf("%s: %v", where, err)
			}
		} else if err := json.Unmarshal(item, &c.Signals); err != nil {
			return List{}, fmt.Errorf("%s: want {\"signals\": {type: signal}} or {type: signal}: %v", where, err)
		}
		if len(c.Signals) == 0 {
			return List{}, fmt.Errorf("%s: no signals", where)
		}
		name := ""
		if c.Metadata != nil {
			name = c.Metadata.ContentID
		}
		note := "signal imported from " + source
		if c.Note != "" {
			note += ": " + c.Note
		}
		for _, typ := range slices.Sorted(maps.Keys(c.Signals)) {
			if err := l.add(typ, c.Signals[typ], name, note, where+".signals."+typ); err != nil {
				return List{}, err
			}
		}
	}
	if len(l.Media) == 0 && len(l.Skipped) == 0 {
		return List{}, errors.New("no signals")
	}
	return l, nil
}

// HMAExport is the HMA content of every registered medium: stills as pdq,
// videos as vpdq, with the case and its first fact-check in metadata.
func HMAExport(cases []registry.Case) []HMAContent {
	out := []HMAContent{}
	for _, c := range cases {
		out = append(out, hmaContents(c)...)
	}
	return out
}

// hmaContents is the HMA content of the media of one case.
func hmaContents(c registry.Case) []HMAContent {
	meta := map[string]any{"provcheck_case": c.ID, "title": c.Title}
	if c.Rating != "" {
		meta["rating"] = c.Rating
	}
	uri := ""
	if len(c.FactChecks) > 0 {
		uri = c.FactChecks[0].URL
	}
	mj, _ := json.Marshal(meta)
	var out []HMAContent
	for _, m := range c.Media {
		fp := m.Fingerprint
		sig := map[string]string{}
		if fp.Kind == media.KindVideo {
			sig[TypeVPDQ] = vpdq.Signal(vpdq.FromFingerprint(&fp))
		} else if len(fp.Frames) > 0 {
			sig[TypePDQ] = fp.Frames[0].PDQ.String()
		}
		if len(sig) == 0 {
			continue
		}
		out = append(out, HMAContent{Signals: sig, Note: m.Name,
			Metadata: &HMAMetadata{ContentID: c.ID + "/" + m.SHA256, ContentURI: uri, JSON: mj}})
	}
	return out
}

// WriteHMAJSON writes HMAExport(cases) as indented JSON (WriteHMAJSONEach).
func WriteHMAJSON(w io.Writer, cases []registry.Case) error {
	return WriteHMAJSONEach(w, func(fn func(registry.Case) error) error {
		for _, c := range cases {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteHMAJSONEach writes the HMAExport of the cases each passes to its
// function, in that order, as indented JSON: the same bytes as the whole
// list indented at once, but written a case at a time, so that the cases
// of a registry.Store's Each need not be held in memory together.
func WriteHMAJSONEach(w io.Writer, each func(fn func(registry.Case) error) error) error {
	l, err := jsonlist.Into(w, []byte("[]\n"), "[]", 1)
	if err != nil {
		return err
	}
	var entry bytes.Buffer
	enc := json.NewEncoder(&entry)
	enc.SetIndent(l.Prefix(), "  ")
	err = each(func(c registry.Case) error {
		for _, hc := range hmaContents(c) {
			entry.Reset()
			if err := enc.Encode(hc); err != nil {
				return err
			}
			if err := l.Add(entry.Bytes()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return l.Close()
}
