package index

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/signal/localindex"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// An index file holds a snapshot's index as it was built whole at one
// generation of the registry, so that a process can map it read-only and
// search at once instead of reading and indexing the whole registry. Only
// the cases a check hits are read from the store then (Snapshot.Fetch).
//
// Layout: the magic "PCINDEX\n", the format version (uint32), the CRC-32C
// of the header and its length (uint32 each), the header (JSON: what made
// the file — fingerprint version, index options, struct sizes — the
// generation, the counts, and where each section is with its CRC-32C),
// then the sections, each a flat little-endian array aligned to 64 bytes:
//
//	hashes        [N]pdq.Hash      the indexed hashes, in case, medium, frame order
//	mih.dir       [12·(2^b+1)]uint32 MIH bucket bounds (when the index has tables)
//	mih.ent       [12·N]uint32     MIH entries (id and residue) by bucket
//	frame.start   [F+1]uint32      position of the first hash of each registered frame
//	media.frame   [M+1]uint32      first frame of each medium
//	media.version [M]uint32        its fingerprint version (a header string)
//	case.media    [C+1]uint32      first medium of each case
//	case.entries  [C]int32         hashes indexed per case
//	case.sum      [C]uint64        a digest of each case's fingerprints
//	case.idoff    [C+1]uint32      case ids (sorted), as offsets into
//	case.ids      bytes            their concatenation
//	local.*                        the local-feature index (localindex.Arrays)
//
// A hash's reference is its position: the frame is the last whose start is
// not after it, the medium and case follow from the frame (12 bytes of
// reference a hash become 4 bytes a frame).
//
// A file is never changed in place: a new one is written beside it and
// renamed over it (WriteFile), so readers that mapped the old one keep it
// whole. On open (OpenFile), the header's CRC, the file's length, every
// section's bounds and the CRC of every section but the largest (the
// hashes, the MIH ids, the local descriptors, keypoints and links) are
// checked, and the tables that searches follow are checked for order and
// bounds; the largest are bounds-checked where they are read, so a damaged
// file gives wrong hits at worst, never a crash. VerifyFile checks the CRC
// of every section.

// Format 2: 12 MIH tables of 21- and 22-bit substrings with a directory
// (format 1 had 16 tables of 16 bits).
const fileFormat = 2

var fileMagic = [8]byte{'P', 'C', 'I', 'N', 'D', 'E', 'X', '\n'}

// fileAlign aligns every section.
const fileAlign = 64

// bigSection: sections longer than this are not read on open (a variable
// for tests).
var bigSection int64 = 16 << 20

// Errors of OpenFile. ErrFileStale: made by another version or with other
// options (not damaged, but it must be rebuilt).
var (
	ErrFileDamaged = errors.New("index file is damaged")
	ErrFileStale   = errors.New("index file was made by another version")
)

type fileHeader struct {
	Signature  string        `json:"signature"`
	Generation int64         `json:"generation"`
	Length     int64         `json:"length"`
	Written    time.Time     `json:"written"`
	Hashes     int           `json:"hashes"`
	Tables     bool          `json:"tables"`
	DirBits    int           `json:"dir_bits"`
	ResBits    int           `json:"res_bits"`
	Cases      int           `json:"cases"`
	Media      int           `json:"media"`
	Frames     int           `json:"frames"`
	Stopped    int           `json:"stopped"`
	Versions   []string      `json:"versions"`
	Local      localHeader   `json:"local"`
	Sections   []fileSection `json:"sections"`
}

type localHeader struct {
	Bits, RehashedAt, Live int
	KeyBits                [localindex.Tables][]uint8
}

type fileSection struct {
	Name string `json:"name"`
	Off  int64  `json:"off"`
	Len  int64  `json:"len"`
	CRC  uint32 `json:"crc"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// FileSignature says what a file's contents depend on besides the
// registry: the fingerprint and index versions, the options, and the
// in-memory layout of the arrays mapped as they are.
func FileSignature(o Options) string {
	return fmt.Sprintf("fingerprint %s; min_quality %d; stop_distance %d; mih %dx%d dir %d; local %+v; sizes frame %d keypoint %d descriptor %d; %s",
		fingerprint.Version(), o.MinQuality, o.StopDistance, mihTables, mihMaxLen, mihDirShift, localindex.DefaultOptions(),
		unsafe.Sizeof(localindex.FrameRecord{}), unsafe.Sizeof(orb.Keypoint{}), unsafe.Sizeof(orb.Descriptor{}), byteOrder())
}

func byteOrder() string {
	x := uint16(1)
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return "little-endian"
	}
	return "big-endian"
}

// caseSum digests what of a case its index entries depend on, so that a
// case read from the store can be told to be the one the file indexed.
func caseSum(c *registry.Case) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(uint64(len(c.Media)))
	for mi := range c.Media {
		m := &c.Media[mi]
		h.Write([]byte(m.SHA256))
		put(uint64(len(m.Fingerprint.Frames)))
		for fi := range m.Fingerprint.Frames {
			f := &m.Fingerprint.Frames[fi]
			for _, w := range f.PDQ {
				put(w)
			}
			put(uint64(f.Quality)<<32 | uint64(len(f.Views))<<16 | uint64(len(f.Local)&0xffff))
			put(math.Float64bits(f.T))
			for _, v := range f.Views {
				for _, w := range v.PDQ {
					put(w)
				}
				put(uint64(v.Quality))
			}
		}
	}
	return h.Sum64()
}

// asBytes views a slice's memory as bytes.
func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// fromBytes views bytes as a slice of T (the bytes are aligned: sections
// are).
func fromBytes[T any](b []byte) []T {
	var z T
	n := len(b) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)[:n:n]
}

// WriteFile writes the index of s, a snapshot built whole (BuildSnapshot
// or LoadSnapshot, no changes applied), to path: into a temporary file in
// the same directory, synced, then renamed over path, so that path is
// always either the old file or the new one, whole.
func WriteFile(path string, s *Snapshot) error {
	return WriteFileContext(context.Background(), path, s)
}

// writeChunk is how much of a section WriteFileContext writes between two
// looks at its context.
const writeChunk = 8 << 20

// WriteFileContext is WriteFile, given up with ctx's error when ctx ends
// (every writeChunk bytes, and before the sync and the rename); path is
// then left as it was and the temporary file removed. The sync itself is
// not interrupted.
func WriteFileContext(ctx context.Context, path string, s *Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sections, hdr, err := fileContents(s)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Layout: the sections' offsets follow the header, whose length
	// depends on them; two rounds settle it (offsets grow by at most the
	// digits added).
	var head []byte
	for range 3 {
		head, err = encodeHeader(hdr)
		if err != nil {
			return err
		}
		off := alignUp(int64(len(head)))
		for i := range hdr.Sections {
			hdr.Sections[i].Off = off
			off = alignUp(off + hdr.Sections[i].Len)
		}
		hdr.Length = off
	}
	if head, err = encodeHeader(hdr); err != nil {
		return err
	}
	if alignUp(int64(len(head))) != hdr.Sections[0].Off {
		return errors.New("index file: header layout did not settle")
	}
	w := bufio.NewWriterSize(f, 1<<20)
	pos := int64(0)
	pad := func(to int64) {
		var zero [fileAlign]byte
		for pos < to {
			n := min(to-pos, fileAlign)
			w.Write(zero[:n])
			pos += n
		}
	}
	w.Write(head)
	pos += int64(len(head))
	for i, sec := range hdr.Sections {
		pad(sec.Off)
		for b := sections[i]; len(b) > 0; {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := min(len(b), writeChunk)
			w.Write(b[:n])
			b = b[n:]
		}
		pos += int64(len(sections[i]))
	}
	pad(hdr.Length)
	if err := w.Flush(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Readable by whoever reads the registry (CreateTemp makes it 0600).
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself
		d.Close()
	}
	removeOldTemps(dir, base)
	return nil
}

// removeOldTemps removes temporary files of writers that died (older than
// an hour: a writer still running is not disturbed).
func removeOldTemps(dir, base string) {
	ms, _ := filepath.Glob(filepath.Join(dir, base+".tmp-*"))
	for _, m := range ms {
		if fi, err := os.Stat(m); err == nil && time.Since(fi.ModTime()) > time.Hour {
			os.Remove(m)
		}
	}
}

func alignUp(n int64) int64 { return (n + fileAlign - 1) &^ (fileAlign - 1) }

func encodeHeader(h fileHeader) ([]byte, error) {
	js, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 20+len(js))
	copy(b, fileMagic[:])
	binary.LittleEndian.PutUint32(b[8:], fileFormat)
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(js, castagnoli))
	binary.LittleEndian.PutUint32(b[16:], uint32(len(js)))
	copy(b[20:], js)
	return b, nil
}

// fileContents lays out the sections of s's index.
func fileContents(s *Snapshot) ([][]byte, fileHeader, error) {
	l := s.layers
	if l == nil || s.file != nil || l.nDead > 0 || len(l.dHash) > 0 || l.nBase != len(s.Cases) || l.live != len(s.Cases) {
		return nil, fileHeader{}, errors.New("index file: only a snapshot built whole can be written")
	}
	base := l.base
	base.Build()
	n := base.Len()
	hdr := fileHeader{Signature: FileSignature(l.opts), Generation: s.Generation, Written: time.Now().UTC(),
		Hashes: n, Tables: base.tables, DirBits: base.dirBits, ResBits: base.resBits, Cases: len(s.Cases), Stopped: s.Stopped}
	var names []string
	var data [][]byte
	add := func(name string, b []byte) {
		names = append(names, name)
		data = append(data, b)
	}
	add("hashes", asBytes(base.hashes))
	if base.tables {
		add("mih.dir", asBytes(base.dir))
		add("mih.ent", asBytes(base.ent))
	}
	// The references as positions (the base's frame table).
	ft := l.frames
	if ft == nil || len(ft.caseMedia) != len(s.Cases)+1 {
		return nil, fileHeader{}, errors.New("index file: the snapshot has no frame table")
	}
	var mediaVersion []uint32
	caseEntries := make([]int32, len(s.Cases))
	sums := make([]uint64, len(s.Cases))
	var idOff []uint32
	var ids []byte
	versions := map[string]uint32{}
	for ci := range s.Cases {
		c := &s.Cases[ci]
		if ci > 0 && c.ID <= s.Cases[ci-1].ID {
			return nil, fileHeader{}, errors.New("index file: cases are not in id order")
		}
		idOff = append(idOff, uint32(len(ids)))
		ids = append(ids, c.ID...)
		caseEntries[ci] = l.entries[ci]
		sums[ci] = caseSum(c)
		for mi := range c.Media {
			v := c.Media[mi].FingerprintVersion()
			vi, ok := versions[v]
			if !ok {
				vi = uint32(len(hdr.Versions))
				versions[v] = vi
				hdr.Versions = append(hdr.Versions, v)
			}
			mediaVersion = append(mediaVersion, vi)
		}
	}
	if len(mediaVersion)+1 != len(ft.mediaFrame) || int(ft.frameStart[len(ft.frameStart)-1]) != n {
		return nil, fileHeader{}, errors.New("index file: the frame table does not fit the index")
	}
	idOff = append(idOff, uint32(len(ids)))
	hdr.Media, hdr.Frames = len(mediaVersion), len(ft.frameStart)-1
	add("frame.start", asBytes(ft.frameStart))
	add("media.frame", asBytes(ft.mediaFrame))
	add("media.version", asBytes(mediaVersion))
	add("case.media", asBytes(ft.caseMedia))
	add("case.entries", asBytes(caseEntries))
	add("case.sum", asBytes(sums))
	add("case.idoff", asBytes(idOff))
	add("case.ids", ids)
	a := l.localBase.Arrays()
	hdr.Local = localHeader{Bits: a.Bits, RehashedAt: a.RehashedAt, Live: a.Live}
	for t := range a.KeyBits {
		hdr.Local.KeyBits[t] = slices.Clone(a.KeyBits[t][:])
		add(fmt.Sprintf("local.head.%d", t), asBytes(a.Head[t]))
		add(fmt.Sprintf("local.count.%d", t), asBytes(a.Count[t]))
		add(fmt.Sprintf("local.next.%d", t), asBytes(a.Next[t]))
	}
	add("local.desc", asBytes(a.Desc))
	add("local.kps", asBytes(a.Kps))
	add("local.frameof", asBytes(a.FrameOf))
	add("local.frames", asBytes(a.Frames))
	for i, name := range names {
		hdr.Sections = append(hdr.Sections, fileSection{Name: name, Len: int64(len(data[i])), CRC: crc32.Checksum(data[i], castagnoli)})
	}
	return data, hdr, nil
}

// File is an index file mapped read-only.
type File struct {
	Path       string
	Generation int64
	hdr        fileHeader
	data       []byte
	fd         *os.File // the open file (nil when it was read whole)
	sec        map[string][]byte
	secOff     map[string]int64

	mih          *MIH
	local        *localindex.Index
	frames       frameTable
	mediaVersion []uint32
	caseEntries  []int32
	caseSums     []uint64
	idOff        []uint32
	ids          []byte
}

// OpenFile maps the index file at path and checks it (see the package
// notes on the file). It fails with an error wrapping os.ErrNotExist,
// ErrFileStale (made by another version or with other options than o) or
// ErrFileDamaged.
func OpenFile(path string, o Options) (*File, error) {
	data, fd, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parseFile(data, fd, o)
	if err != nil {
		unmapFile(data, fd)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFileDamaged, fmt.Sprintf(format, args...))
}

func parseFile(data []byte, fd *os.File, o Options) (*File, error) {
	if len(data) < 20 || [8]byte(data[:8]) != fileMagic {
		return nil, damaged("not an index file")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != fileFormat {
		return nil, fmt.Errorf("%w: format %d, this build reads %d", ErrFileStale, v, fileFormat)
	}
	n := int64(binary.LittleEndian.Uint32(data[16:]))
	if 20+n > int64(len(data)) {
		return nil, damaged("header of %d bytes in a file of %d", n, len(data))
	}
	js := data[20 : 20+n]
	if crc32.Checksum(js, castagnoli) != binary.LittleEndian.Uint32(data[12:]) {
		return nil, damaged("header checksum")
	}
	var hdr fileHeader
	if err := json.Unmarshal(js, &hdr); err != nil {
		return nil, damaged("header: %v", err)
	}
	if want := FileSignature(o); hdr.Signature != want {
		return nil, fmt.Errorf("%w: made for %q, this build needs %q", ErrFileStale, hdr.Signature, want)
	}
	if hdr.Length != int64(len(data)) {
		return nil, damaged("%d bytes, the header says %d (truncated?)", len(data), hdr.Length)
	}
	f := &File{Generation: hdr.Generation, hdr: hdr, data: data, fd: fd, sec: map[string][]byte{}, secOff: map[string]int64{}}
	for _, s := range hdr.Sections {
		if s.Off < 20+n || s.Off%fileAlign != 0 || s.Len < 0 || s.Off+s.Len > int64(len(data)) {
			return nil, damaged("section %s at %d+%d", s.Name, s.Off, s.Len)
		}
		b := data[s.Off : s.Off+s.Len]
		if s.Len <= bigSection && crc32.Checksum(b, castagnoli) != s.CRC {
			return nil, damaged("section %s checksum", s.Name)
		}
		f.sec[s.Name] = b
		f.secOff[s.Name] = s.Off
	}
	if err := f.setup(); err != nil {
		return nil, err
	}
	return f, nil
}

// section returns the named section as a []T of exactly want elements (want
// < 0: any number).
func section[T any](f *File, name string, want int) ([]T, error) {
	b, ok := f.sec[name]
	if !ok {
		return nil, damaged("no section %s", name)
	}
	var z T
	if len(b)%int(unsafe.Sizeof(z)) != 0 || want >= 0 && len(b) != want*int(unsafe.Sizeof(z)) {
		return nil, damaged("section %s: %d bytes", name, len(b))
	}
	return fromBytes[T](b), nil
}

// ascending checks that s never decreases, starts at 0 and ends at last.
func ascending(name string, s []uint32, last int) error {
	if len(s) == 0 || s[0] != 0 || int(s[len(s)-1]) != last {
		return damaged("%s: bounds", name)
	}
	for i := 1; i < len(s); i++ {
		if s[i] < s[i-1] {
			return damaged("%s: order at %d", name, i)
		}
	}
	return nil
}

func (f *File) setup() error {
	h := &f.hdr
	var err error
	hashes, err := section[pdq.Hash](f, "hashes", h.Hashes)
	if err != nil {
		return err
	}
	x := &MIH{hashes: hashes, tables: h.Tables}
	x.ready.Store(true)
	if h.Tables {
		db, rb := mihLayout(h.Hashes)
		if h.DirBits != db || h.ResBits != rb {
			return damaged("mih layout %d/%d, want %d/%d", h.DirBits, h.ResBits, db, rb)
		}
		x.dirBits, x.resBits = db, rb
		nd := 1<<db + 1
		if x.dir, err = section[uint32](f, "mih.dir", mihTables*nd); err != nil {
			return err
		}
		for k := 0; k < mihTables; k++ {
			if err := ascending("mih.dir", x.dir[k*nd:(k+1)*nd], h.Hashes); err != nil {
				return err
			}
		}
		if x.ent, err = section[uint32](f, "mih.ent", mihTables*h.Hashes); err != nil {
			return err
		}
		if f.fd != nil {
			// Read bucket by bucket, not through the mapping (see
			// MIH.readEntries), and the hashes a search verifies in one
			// pass (MIH.readHashes).
			off := f.secOff["mih.ent"]
			x.ent = nil
			x.readEntries = func(buf []uint32, from int64) error {
				_, err := f.fd.ReadAt(asBytes(buf), off+4*from)
				return err
			}
			hoff := f.secOff["hashes"]
			x.readHashes = func(buf []pdq.Hash, from int64) error {
				_, err := f.fd.ReadAt(asBytes(buf), hoff+32*from)
				return err
			}
		}
	}
	if f.frames.frameStart, err = section[uint32](f, "frame.start", h.Frames+1); err != nil {
		return err
	}
	if f.frames.mediaFrame, err = section[uint32](f, "media.frame", h.Media+1); err != nil {
		return err
	}
	if f.mediaVersion, err = section[uint32](f, "media.version", h.Media); err != nil {
		return err
	}
	if f.frames.caseMedia, err = section[uint32](f, "case.media", h.Cases+1); err != nil {
		return err
	}
	if f.caseEntries, err = section[int32](f, "case.entries", h.Cases); err != nil {
		return err
	}
	if f.caseSums, err = section[uint64](f, "case.sum", h.Cases); err != nil {
		return err
	}
	if f.idOff, err = section[uint32](f, "case.idoff", h.Cases+1); err != nil {
		return err
	}
	if f.ids, err = section[byte](f, "case.ids", -1); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		s    []uint32
		last int
	}{{"frame.start", f.frames.frameStart, h.Hashes}, {"media.frame", f.frames.mediaFrame, h.Frames},
		{"case.media", f.frames.caseMedia, h.Media}, {"case.idoff", f.idOff, len(f.ids)}} {
		if err := ascending(c.name, c.s, c.last); err != nil {
			return err
		}
	}
	for _, v := range f.mediaVersion {
		if int(v) >= len(h.Versions) {
			return damaged("media.version")
		}
	}
	for i := 1; i < h.Cases; i++ {
		if f.caseID(i) <= f.caseID(i-1) {
			return damaged("case ids out of order at %d", i)
		}
	}
	x.refOf = f.frames.ref
	f.mih = x
	// The local-feature index.
	a := localindex.Arrays{Bits: h.Local.Bits, RehashedAt: h.Local.RehashedAt, Live: h.Local.Live}
	for t := range a.KeyBits {
		if len(h.Local.KeyBits[t]) != len(a.KeyBits[t]) {
			return damaged("local key bits")
		}
		copy(a.KeyBits[t][:], h.Local.KeyBits[t])
		if a.Head[t], err = section[uint32](f, fmt.Sprintf("local.head.%d", t), -1); err != nil {
			return err
		}
		if a.Count[t], err = section[uint32](f, fmt.Sprintf("local.count.%d", t), -1); err != nil {
			return err
		}
		if a.Next[t], err = section[uint32](f, fmt.Sprintf("local.next.%d", t), -1); err != nil {
			return err
		}
	}
	if a.Desc, err = section[orb.Descriptor](f, "local.desc", -1); err != nil {
		return err
	}
	if a.Kps, err = section[orb.Keypoint](f, "local.kps", -1); err != nil {
		return err
	}
	if a.FrameOf, err = section[uint32](f, "local.frameof", -1); err != nil {
		return err
	}
	if a.Frames, err = section[localindex.FrameRecord](f, "local.frames", -1); err != nil {
		return err
	}
	if f.local, err = localindex.FromArrays(localindex.DefaultOptions(), a); err != nil {
		return damaged("%v", err)
	}
	return nil
}

// VerifyFile checks the CRC of every section of the file at path, the
// largest too (which OpenFile leaves to the searches' bounds checks).
func VerifyFile(path string, o Options) error {
	f, err := OpenFile(path, o)
	if err != nil {
		return err
	}
	defer unmapFile(f.data, f.fd)
	for _, s := range f.hdr.Sections {
		if crc32.Checksum(f.sec[s.Name], castagnoli) != s.CRC {
			return fmt.Errorf("%s: %w", path, damaged("section %s checksum", s.Name))
		}
	}
	return nil
}

func (f *File) caseID(i int) string {
	return unsafe.String(unsafe.SliceData(f.ids[f.idOff[i]:]), int(f.idOff[i+1]-f.idOff[i]))
}

// findCase is the position of the case with this id.
func (f *File) findCase(id string) (int, bool) {
	lo, hi := 0, f.hdr.Cases
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f.caseID(m) < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < f.hdr.Cases && f.caseID(lo) == id
}

// Bytes is the size of the file.
func (f *File) Bytes() int64 { return int64(len(f.data)) }

// Hashes is the number of indexed hashes.
func (f *File) Hashes() int { return f.hdr.Hashes }

// SectionBytes is the size of each kind of section, by name prefix
// ("hashes", "mih", "frame", "media", "case", "local").
func (f *File) SectionBytes() map[string]int64 {
	out := map[string]int64{}
	for _, s := range f.hdr.Sections {
		k, _, _ := strings.Cut(s.Name, ".")
		out[k] += s.Len
	}
	return out
}
