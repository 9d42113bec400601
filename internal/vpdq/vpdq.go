// Package vpdq reads and writes ThreatExchange vPDQ hash files — the
// layout of Meta's vpdq tools (vpdq-hash-video, its sample hashes): one
// video per file, one line per hashed frame,
//
//	frame_number,quality,pdq_hex,timestamp_seconds
//
// with the PDQ hash as 64 lower-case hex digits and the timestamp with
// three decimals, no header, no comments and no blank lines (Meta's reader
// rejects a line of fewer than four fields, and an empty file). It also
// converts the compact signal string of python-threatexchange and HMA
// (a JSON list of "pdq_hex,quality,timestamp").
package vpdq

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// Feature is one hashed frame.
type Feature struct {
	Frame     int
	Quality   int
	Hash      pdq.Hash
	Timestamp float64 // seconds
}

// MaxLines bounds a file Read accepts (about 14 hours at 60 fps).
const MaxLines = 3_000_000

// Read parses a vPDQ file. Lines end in \n (or \r\n); a line that is not
// four comma-separated fields, a hash that is not 64 hex digits, a quality
// outside 0..100 or a timestamp that is negative or goes backwards is an
// error naming the line. An empty file is an error, as for Meta's reader.
func Read(r io.Reader) ([]Feature, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	var out []Feature
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if len(out) >= MaxLines {
			return nil, fmt.Errorf("more than %d lines", MaxLines)
		}
		f, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(out) > 0 && f.Timestamp < out[len(out)-1].Timestamp {
			return nil, fmt.Errorf("line %d: timestamp %.3f is before the previous line's", n, f.Timestamp)
		}
		out = append(out, f)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errors.New("a line is too long for a vPDQ file")
		}
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("empty vPDQ file")
	}
	return out, nil
}

func parseLine(line string) (Feature, error) {
	parts := strings.Split(line, ",")
	if len(parts) != 4 {
		return Feature{}, fmt.Errorf("want frame,quality,pdq_hex,timestamp, got %d field(s)", len(parts))
	}
	var f Feature
	var err error
	if f.Frame, err = strconv.Atoi(strings.TrimSpace(parts[0])); err != nil || f.Frame < 0 {
		return Feature{}, fmt.Errorf("frame number %q is not a whole number ≥ 0", parts[0])
	}
	if f.Quality, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil || f.Quality < 0 || f.Quality > 100 {
		return Feature{}, fmt.Errorf("quality %q is not 0..100", parts[1])
	}
	if f.Hash, err = pdq.Parse(strings.TrimSpace(parts[2])); err != nil {
		return Feature{}, fmt.Errorf("PDQ hash %q: %v", parts[2], err)
	}
	if f.Timestamp, err = strconv.ParseFloat(strings.TrimSpace(parts[3]), 64); err != nil || f.Timestamp < 0 ||
		math.IsInf(f.Timestamp, 0) || math.IsNaN(f.Timestamp) {
		return Feature{}, fmt.Errorf("timestamp %q is not a number of seconds ≥ 0", parts[3])
	}
	return f, nil
}

// Write writes features in Meta's layout.
func Write(w io.Writer, features []Feature) error {
	bw := bufio.NewWriter(w)
	for _, f := range features {
		fmt.Fprintf(bw, "%d,%d,%s,%.3f\n", f.Frame, f.Quality, f.Hash, f.Timestamp)
	}
	return bw.Flush()
}

// FromFingerprint gives the features of a fingerprint: each frame with its
// frame number at the video's frame rate (its index when the rate is
// unknown). A still is one frame at 0.
func FromFingerprint(fp *fingerprint.Fingerprint) []Feature {
	out := make([]Feature, 0, len(fp.Frames))
	for i, f := range fp.Frames {
		n := i
		if fp.FPS > 0 {
			n = int(math.Round(f.T * fp.FPS))
		}
		out = append(out, Feature{Frame: n, Quality: f.Quality, Hash: f.PDQ, Timestamp: f.T})
	}
	return out
}

// Fingerprint makes a video fingerprint of features: the frame rate from
// frame numbers and timestamps, the duration to one frame past the last.
func Fingerprint(features []Feature) fingerprint.Fingerprint {
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Format: "vpdq"}
	for _, f := range features {
		if f.Timestamp > 0 && f.Frame > 0 {
			fp.FPS = math.Round(float64(f.Frame)/f.Timestamp*1000) / 1000
		}
		fp.Frames = append(fp.Frames, fingerprint.Frame{T: f.Timestamp, PDQ: f.Hash, Quality: f.Quality})
	}
	if n := len(features); n > 0 {
		fp.Duration = features[n-1].Timestamp
		if fp.FPS > 0 {
			fp.Duration += 1 / fp.FPS
		}
	}
	return fp
}

// Digest identifies imported hashes in the registry, which keys media by
// content digest: the SHA-256 of the features as Write lays them out, so
// importing the same hashes twice adds nothing.
func Digest(features []Feature) string {
	var b bytes.Buffer
	Write(&b, features)
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// Signal is the python-threatexchange / HMA vPDQ signal string: a JSON
// list of "pdq_hex,quality,timestamp".
func Signal(features []Feature) string {
	list := make([]string, len(features))
	for i, f := range features {
		list[i] = fmt.Sprintf("%s,%d,%.3f", f.Hash, f.Quality, f.Timestamp)
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// ParseSignal reads a vPDQ signal string. The frame numbers it lacks are
// counted in order.
func ParseSignal(s string) ([]Feature, error) {
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("vpdq signal: want a JSON list of \"pdq_hex,quality,timestamp\": %v", err)
	}
	if len(list) == 0 {
		return nil, errors.New("vpdq signal: no frames")
	}
	out := make([]Feature, 0, len(list))
	for i, item := range list {
		parts := strings.Split(item, ",")
		if len(parts) != 3 {
			return nil, fmt.Errorf("vpdq signal [%d]: want pdq_hex,quality,timestamp", i)
		}
		f, err := parseLine(fmt.Sprintf("%d,%s,%s,%s", i, parts[1], parts[0], parts[2]))
		if err != nil {
			return nil, fmt.Errorf("vpdq signal [%d]: %w", i, err)
		}
		if len(out) > 0 && f.Timestamp < out[len(out)-1].Timestamp {
			return nil, fmt.Errorf("vpdq signal [%d]: timestamps go backwards", i)
		}
		out = append(out, f)
	}
	return out, nil
}
