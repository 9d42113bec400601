package batch

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/report"
	"github.com/provcheck/provcheck/rules"
)

// previous is what an earlier, interrupted run left in the output file.
type previous struct {
	done    map[pathKey]struct{}
	counts  Counts
	header  bool  // a csv header is there
	end     int64 // the size of the file once a partial last line is cut off
	trimmed int64 // bytes cut off
}

// readPrevious reads the output of an earlier run, for --resume. Only whole
// lines count: anything after the last line break (a line cut short when
// the run was killed) is dropped by truncating the file. A file that is
// not a scan output in this format is an error, so that --resume never
// appends to something else. A missing file is an empty previous run.
func readPrevious(path string, f report.Format) (*previous, error) {
	p := &previous{done: map[pathKey]struct{}{}}
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("--resume: %s is not a regular file", path)
	}
	end, err := afterLastNewline(fh, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("--resume: reading %s: %w", path, err)
	}
	sec := io.NewSectionReader(fh, 0, end)
	if f == report.CSV {
		end, err = p.readCSV(sec, end)
	} else {
		err = p.readJSONL(sec)
	}
	if err != nil {
		return nil, fmt.Errorf("--resume: %s is not a %s scan output: %w", path, f, err)
	}
	p.end, p.trimmed = end, fi.Size()-end
	if p.trimmed > 0 {
		if err := fh.Truncate(end); err != nil {
			return nil, fmt.Errorf("--resume: dropping the partial last line of %s: %w", path, err)
		}
	}
	return p, nil
}

// afterLastNewline is the offset just past the last '\n' of the file (0 if
// there is none).
func afterLastNewline(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 64*1024)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		b := buf[:end-start]
		if _, err := r.ReadAt(b, start); err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

func (p *previous) add(file string, verdict rules.Verdict, failed bool) {
	p.done[keyOf(file)] = struct{}{}
	p.counts.add(verdict, failed)
}

func (p *previous) readJSONL(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64*1024)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rep engine.Report
			if jerr := json.Unmarshal(b, &rep); jerr != nil || rep.File == "" {
				return fmt.Errorf("line %d is not a report", line)
			}
			p.add(rep.File, rep.Verdict, rep.Failed())
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readCSV reads records up to end and returns where the whole records end:
// a record cut inside a quoted field that spans lines ends before end.
func (p *previous) readCSV(r *io.SectionReader, end int64) (int64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(report.CSVHeader)
	cr.ReuseRecord = true
	var good int64
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return end, nil
		}
		if err != nil {
			if odd, qerr := oddQuotes(r, good, end); qerr == nil && odd {
				return good, nil
			}
			return 0, err
		}
		good = cr.InputOffset()
		if !p.header {
			if !slices.Equal(rec, report.CSVHeader) {
				return 0, errors.New("the first line is not the csv header")
			}
			p.header = true
			continue
		}
		// file, kind, verdict, action, entry_id, score, distance, fact_check_url, error
		p.add(rec[0], rules.Verdict(rec[2]), rec[8] != "")
	}
}

// oddQuotes reports whether the bytes from off to end hold an odd number of
// double quotes: a record cut short inside a quoted field.
func oddQuotes(r io.ReaderAt, off, end int64) (bool, error) {
	n := 0
	buf := make([]byte, 32*1024)
	for off < end {
		b := buf[:min(int64(len(buf)), end-off)]
		if _, err := r.ReadAt(b, off); err != nil && err != io.EOF {
			return false, err
		}
		n += bytes.Count(b, []byte{'"'})
		off += int64(len(b))
	}
	return n%2 == 1, nil
}
