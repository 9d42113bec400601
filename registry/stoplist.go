package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// StopFrame is the fingerprint of material known to be unrelated to any
// case — a channel's title card, a logo bumper, a studio background, a
// common meme template. Registered frames near a stop frame match unrelated
// uploads too, so they are left out of the index: they are not evidence.
type StopFrame struct {
	Source string   `json:"source"` // where the frame came from (a file name, a note)
	PDQ    pdq.Hash `json:"pdq"`
	// Local is the frame's local features (orb.Encode), when it was
	// sampled for them: registered descriptors near them are not indexed.
	Local []byte `json:"local,omitempty"`
}

// StopList is the part of a Store that keeps stop frames.
type StopList interface {
	// AddStopFrames adds frames (duplicates ignored) and returns how many
	// were new.
	AddStopFrames(ctx context.Context, frames []StopFrame) (int, error)
	// StopFrames returns every stop frame.
	StopFrames(ctx context.Context) ([]StopFrame, error)
	// ClearStopFrames removes every stop frame and returns how many there were.
	ClearStopFrames(ctx context.Context) (int, error)
}

func validateStopFrames(p *problems, prefix string, frames []StopFrame) {
	for i, f := range frames {
		if strings.TrimSpace(f.Source) == "" {
			p.add(fmt.Sprintf("%s[%d].source", prefix, i), "is required")
		}
		if len(f.Local) > 0 {
			if _, err := orb.Decode(f.Local); err != nil {
				p.add(fmt.Sprintf("%s[%d].local", prefix, i), "not local features written by provcheck")
			}
		}
	}
}

// AddStopFrames implements StopList.
func (s *SQLite) AddStopFrames(ctx context.Context, frames []StopFrame) (int, error) {
	var p problems
	validateStopFrames(&p, "stop_frames", frames)
	if err := p.err(); err != nil {
		return 0, err
	}
	added := 0
	err := s.write(ctx, func(tx *sql.Tx) ([]string, error) {
		var err error
		added, err = addStopFrames(ctx, tx, frames, time.Now().UTC())
		return []string{stopFramesChanged}, err
	})
	return added, err
}

func addStopFrames(ctx context.Context, tx *sql.Tx, frames []StopFrame, now time.Time) (int, error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO stop_frames (source, pdq, added_at, local) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	added := 0
	for _, f := range frames {
		var local any
		if len(f.Local) > 0 {
			local = f.Local
		}
		res, err := stmt.ExecContext(ctx, f.Source, f.PDQ.String(), fmtTime(now), local)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}

// StopFrames implements StopList.
func (s *SQLite) StopFrames(ctx context.Context) ([]StopFrame, error) {
	return stopFrames(ctx, s.db)
}

func stopFrames(ctx context.Context, q querier) ([]StopFrame, error) {
	rows, err := q.QueryContext(ctx, `SELECT source, pdq, local FROM stop_frames ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StopFrame{}
	for rows.Next() {
		var f StopFrame
		var h string
		if err := rows.Scan(&f.Source, &h, &f.Local); err != nil {
			return nil, err
		}
		if f.PDQ, err = pdq.Parse(h); err != nil {
			return nil, fmt.Errorf("stop frame: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ClearStopFrames implements StopList.
func (s *SQLite) ClearStopFrames(ctx context.Context) (int, error) {
	n := 0
	err := s.write(ctx, func(tx *sql.Tx) ([]string, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM stop_frames`)
		if err != nil {
			return nil, err
		}
		c, _ := res.RowsAffected()
		n = int(c)
		return []string{stopFramesChanged}, nil
	})
	return n, err
}
