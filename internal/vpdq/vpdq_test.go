package vpdq

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// metaRead reads a vPDQ file the way Meta's reader
// (vpdq/cpp/vpdq/cpp/io/vpdqio.cpp, loadHashesFromFileOrDie) does: every
// line split on ',' must give at least four fields — frame (stoi), quality
// (stoi), a 256-bit hex hash (Hash256::fromStringOrDie) and a timestamp
// (stod) — and the file must not be empty. It is written from that
// description, strictly, to check what provcheck writes.
func metaRead(t *testing.T, data []byte) int {
	t.Helper()
	hexHash := regexp.MustCompile(`^[0-9a-f]{64}$`)
	threeDecimals := regexp.MustCompile(`^\d+\.\d{3}$`)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("the last line has no newline")
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		n++
		f := strings.Split(line, ",")
		if len(f) < 4 {
			t.Fatalf("line %d %q: Meta's reader rejects a line of %d field(s)", n, line, len(f))
		}
		if _, err := strconv.Atoi(f[0]); err != nil {
			t.Errorf("line %d: frame %q", n, f[0])
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			t.Errorf("line %d: quality %q", n, f[1])
		}
		if !hexHash.MatchString(f[2]) {
			t.Errorf("line %d: hash %q is not 64 lower-case hex digits", n, f[2])
		}
		if !threeDecimals.MatchString(f[3]) {
			t.Errorf("line %d: timestamp %q is not written with three decimals (std::fixed, precision 3)", n, f[3])
		}
	}
	if n == 0 {
		t.Fatal("Meta's reader rejects an empty hash file")
	}
	return n
}

func TestReadWriteGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "clip.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 4 || fs[2].Frame != 2 || fs[2].Quality != 97 || fs[3].Timestamp != 1 ||
		fs[0].Hash.String() != "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c" {
		t.Fatalf("read %+v", fs)
	}
	var out bytes.Buffer
	if err := Write(&out, fs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Errorf("written back differently:\n%s\nwant\n%s", out.Bytes(), data)
	}
	if n := metaRead(t, out.Bytes()); n != 4 {
		t.Errorf("Meta's reader sees %d lines", n)
	}
	// CRLF line ends are read too.
	if fs2, err := Read(strings.NewReader(strings.ReplaceAll(string(data), "\n", "\r\n"))); err != nil || len(fs2) != 4 {
		t.Errorf("CRLF: %v", err)
	}
}

func TestReadRejects(t *testing.T) {
	for file, want := range map[string]string{
		"comment.txt":    "line 2: want frame,quality,pdq_hex,timestamp, got 1 field(s)",
		"short-hash.txt": `line 1: PDQ hash "e27101"`,
		"quality.txt":    `line 1: quality "101" is not 0..100`,
		"backwards.txt":  "line 2: timestamp 0.500 is before the previous line's",
		"empty.txt":      "empty vPDQ file",
		"blank.txt":      "line 2: want frame,quality,pdq_hex,timestamp",
	} {
		data, _ := os.ReadFile(filepath.Join("testdata", "bad", file))
		if _, err := Read(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
}

// TestFingerprintRoundTrip: a video fingerprint written as vPDQ reads back
// as the same frames, frame numbers at the video's rate.
func TestFingerprintRoundTrip(t *testing.T) {
	h1, _ := pdq.Parse("e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c")
	h2, _ := pdq.Parse("c0f11178372c6aaccddea259648fbfd62f434c89c9e99b249772be216c8d055c")
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, FPS: 30, Duration: 1.5,
		Frames: []fingerprint.Frame{{T: 0, PDQ: h1, Quality: 100}, {T: 0.5, PDQ: h2, Quality: 88}, {T: 1.467, PDQ: h1, Quality: 90}}}
	fs := FromFingerprint(&fp)
	if fs[1].Frame != 15 || fs[2].Frame != 44 {
		t.Errorf("frame numbers %+v", fs)
	}
	var b bytes.Buffer
	Write(&b, fs)
	metaRead(t, b.Bytes())
	back, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	got := Fingerprint(back)
	if got.Kind != media.KindVideo || len(got.Frames) != 3 || got.Frames[1].PDQ != h2 || got.Frames[1].Quality != 88 ||
		got.Frames[2].T != 1.467 || got.FPS < 29.9 || got.FPS > 30.1 {
		t.Errorf("fingerprint %+v", got)
	}
	if Digest(back) != Digest(fs) {
		t.Error("the digest of the same hashes differs")
	}
	// The python-threatexchange / HMA signal string round trip.
	sig := Signal(fs)
	if !strings.HasPrefix(sig, `["e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,100,0.000",`) {
		t.Errorf("signal %s", sig)
	}
	fromSig, err := ParseSignal(sig)
	if err != nil || len(fromSig) != 3 || fromSig[1].Hash != h2 || fromSig[2].Timestamp != 1.467 {
		t.Errorf("signal back: %+v %v", fromSig, err)
	}
}
