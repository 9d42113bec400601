package registry

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// PGSchemaVersion is the PostgreSQL registry schema this build writes.
const PGSchemaVersion = 7

// pgMigrations[i] brings a PostgreSQL registry from schema version i to
// i+1. The tables mirror the SQLite schema; hashes are stored as bytes.
var pgMigrations = []string{
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
	INSERT INTO meta(key, value) VALUES ('generation', 0), ('log_floor', 0);
	CREATE TABLE cases (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		claim TEXT NOT NULL DEFAULT '',
		rating TEXT NOT NULL DEFAULT '',
		category TEXT NOT NULL DEFAULT '',
		tags TEXT NOT NULL DEFAULT '[]',
		first_seen TEXT NOT NULL DEFAULT '',
		created_at TIMESTAMPTZ NOT NULL,
		updated_at TIMESTAMPTZ NOT NULL
	);
	CREATE TABLE fact_checks (
		id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		publisher TEXT NOT NULL,
		url TEXT NOT NULL DEFAULT '',
		title TEXT NOT NULL DEFAULT '',
		rating TEXT NOT NULL DEFAULT '',
		date TEXT NOT NULL DEFAULT '',
		language TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX fact_checks_case ON fact_checks(case_id, seq);
	CREATE TABLE media (
		id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		sha256 TEXT NOT NULL,
		name TEXT NOT NULL DEFAULT '',
		note TEXT NOT NULL DEFAULT '',
		added_at TIMESTAMPTZ NOT NULL,
		kind TEXT NOT NULL,
		format TEXT NOT NULL DEFAULT '',
		codec TEXT NOT NULL DEFAULT '',
		width INTEGER NOT NULL,
		height INTEGER NOT NULL,
		duration DOUBLE PRECISION NOT NULL,
		fps DOUBLE PRECISION NOT NULL,
		UNIQUE (case_id, sha256)
	);
	CREATE INDEX media_case ON media(case_id, seq);
	CREATE TABLE frames (
		media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		t DOUBLE PRECISION NOT NULL,
		pdq BYTEA NOT NULL,
		quality INTEGER NOT NULL,
		phash BIGINT NOT NULL,
		dhash BIGINT NOT NULL,
		PRIMARY KEY (media_id, seq)
	);
	CREATE TABLE views (
		media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame_seq INTEGER NOT NULL,
		seq INTEGER NOT NULL,
		name TEXT NOT NULL,
		pdq BYTEA NOT NULL,
		quality INTEGER NOT NULL,
		PRIMARY KEY (media_id, frame_seq, seq)
	);
	CREATE TABLE stop_frames (
		id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		source TEXT NOT NULL,
		pdq BYTEA NOT NULL,
		added_at TIMESTAMPTZ NOT NULL,
		UNIQUE (source, pdq)
	);
	CREATE TABLE changes (
		generation BIGINT NOT NULL,
		case_id TEXT NOT NULL
	);
	CREATE INDEX changes_generation ON changes(generation);`,
	// 2: thumbnails of registered frames, shown as evidence.
	`CREATE TABLE thumbnails (
		media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame INTEGER NOT NULL,
		jpeg BYTEA NOT NULL,
		PRIMARY KEY (media_id, frame)
	);`,
	// 3: the schema.org ClaimReview/MediaReview fields (see review.go).
	reviewMigration,
	// 4: signals by type and version, and the version of what made each
	// medium's fingerprint (as SQLite schema 6).
	`CREATE TABLE signals (
		media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame_seq INTEGER NOT NULL,
		type TEXT NOT NULL,
		version INTEGER NOT NULL,
		value TEXT NOT NULL,
		quality INTEGER NOT NULL,
		PRIMARY KEY (media_id, frame_seq, type)
	);
	ALTER TABLE media ADD COLUMN fingerprint_version TEXT NOT NULL DEFAULT '';
	UPDATE media SET fingerprint_version = CASE
		WHEN EXISTS (SELECT 1 FROM views v WHERE v.media_id = media.id AND v.name = 'zoom70') THEN 'pdq/1 views/2'
		ELSE 'pdq/1 views/1' END;`,
	// 5: local features of the frames sampled for them (orb.Encode), and
	// of stop frames.
	`CREATE TABLE local_features (
		media_id BIGINT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
		frame_seq INTEGER NOT NULL,
		data BYTEA NOT NULL,
		PRIMARY KEY (media_id, frame_seq)
	);
	ALTER TABLE stop_frames ADD COLUMN local BYTEA;`,
	// 6: frames lose their 64-bit pHash and dHash, which never took part
	// in matching (as SQLite schema 8).
	`ALTER TABLE frames DROP COLUMN phash, DROP COLUMN dhash;`,
	// 7: media are found by their file's digest (as SQLite schema 9).
	`CREATE INDEX media_sha256 ON media (sha256);`,
}

// nilIfEmpty stores an empty byte slice as NULL.
func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// pgMigrateLock is the advisory lock key held while migrating, so replicas
// starting together migrate once.
const pgMigrateLock = 0x70726f76636b // "provck"

// Postgres is a registry in a PostgreSQL database shared by many processes.
type Postgres struct {
	pool *pgxpool.Pool
	url  string // without password, for messages
}

var _ Store = (*Postgres)(nil)

// IsPostgresURL reports whether a registry location names a PostgreSQL
// database (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens the registry at location: a postgres:// URL, or a SQLite file
// path.
func Open(ctx context.Context, location string) (Store, error) {
	if IsPostgresURL(location) {
		return OpenPostgres(ctx, location)
	}
	return OpenSQLite(ctx, location)
}

// redact drops the password from a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// OpenPostgres connects to the registry database at dsn and brings its
// schema up to date (the first use of an empty database creates it). A
// registry written by a newer provcheck is refused.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	where := redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("registry: %s: bad URL", where)
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("registry: %s: %w", where, err)
	}
	s := &Postgres{pool: pool, url: where}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("registry: %s: %w", where, err)
	}
	return s, nil
}

// Close closes the connections.
func (s *Postgres) Close() error { s.pool.Close(); return nil }

// Location is the database URL without its password.
func (s *Postgres) Location() string { return s.url }

// Migrate brings the schema up to date; it is also run by OpenPostgres.
func (s *Postgres) Migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgMigrateLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS provcheck_schema (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		v := 0
		err := tx.QueryRow(ctx, `SELECT version FROM provcheck_schema`).Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO provcheck_schema(version) VALUES (0)`); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if v > PGSchemaVersion {
			return fmt.Errorf("schema version %d is newer than this provcheck understands (%d): upgrade provcheck", v, PGSchemaVersion)
		}
		for ; v < PGSchemaVersion; v++ {
			if _, err := tx.Exec(ctx, pgMigrations[v]); err != nil {
				return fmt.Errorf("migrate to schema %d: %w", v+1, err)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE provcheck_schema SET version = $1`, v)
		return err
	})
}

// SchemaVersion is the schema the database is at.
func (s *Postgres) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT version FROM provcheck_schema`).Scan(&v)
	return v, pgError(err)
}

// tx runs fn in one transaction, committed only if fn returns nil.
func (s *Postgres) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgError(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return pgError(err)
	}
	return pgError(tx.Commit(ctx))
}

// write runs fn in one transaction after taking the next generation, and
// records the cases fn reports changed in the change log. The generation
// row stays locked until commit, so writes commit in generation order and a
// reader that has seen generation g has seen every change up to g.
func (s *Postgres) write(ctx context.Context, fn func(tx pgx.Tx) ([]string, error)) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var gen int64
		if err := tx.QueryRow(ctx, `UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value`).Scan(&gen); err != nil {
			return err
		}
		ids, err := fn(tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO changes (generation, case_id) VALUES ($1, $2)`, gen, id); err != nil {
				return err
			}
		}
		if floor := gen - changeLogKeep; floor > 0 && gen%changeLogPruneEvery == 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM changes WHERE generation <= $1`, floor); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'log_floor'`, floor); err != nil {
				return err
			}
		}
		return nil
	})
}

// pgError marks errors of the connection (the server is down or
// unreachable) as ErrUnavailable; errors of the statement pass unchanged.
func pgError(err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || IsValidation(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down or starting.
		if strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" {
			return fmt.Errorf("%w: %s", ErrUnavailable, pe.Message)
		}
		return err
	}
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) || isConnError(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

// isConnError reports whether err came from the network rather than from
// the server answering a statement.
func isConnError(err error) bool {
	s := err.Error()
	for _, w := range []string{"connection refused", "no such file or directory", "broken pipe", "connection reset", "unexpected EOF", "closed pool", "conn closed", "failed to connect", "timeout"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Generation implements Store.
func (s *Postgres) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'generation'`).Scan(&g)
	return g, pgError(err)
}

// Upsert implements Store.
func (s *Postgres) Upsert(ctx context.Context, c Case) (Case, error) {
	var out Case
	err := s.write(ctx, func(tx pgx.Tx) ([]string, error) {
		var err error
		out, err = pgUpsert(ctx, tx, c, pgNow())
		return []string{c.ID}, err
	})
	return out, err
}

// Import implements Store.
func (s *Postgres) Import(ctx context.Context, cases []Case) error {
	return s.ImportBundle(ctx, Bundle{Cases: cases})
}

// ImportBundle implements Store: cases merged and stop frames added in one
// transaction.
func (s *Postgres) ImportBundle(ctx context.Context, b Bundle) error {
	return s.ImportStream(ctx, b.fill)
}

// ImportStream implements Store.
func (s *Postgres) ImportStream(ctx context.Context, fill func(put func(Case) error) ([]StopFrame, error)) error {
	return s.write(ctx, func(tx pgx.Tx) ([]string, error) {
		now := pgNow()
		var ids []string
		stops, err := fill(func(c Case) error {
			if _, err := pgUpsert(ctx, tx, c, now); err != nil {
				return fmt.Errorf("case %s: %w", c.ID, err)
			}
			ids = append(ids, c.ID)
			return nil
		})
		if err != nil {
			return nil, err
		}
		n, err := pgAddStopFrames(ctx, tx, stops, now)
		if err != nil {
			return nil, fmt.Errorf("stop frames: %w", err)
		}
		if n > 0 {
			ids = append(ids, stopFramesChanged)
		}
		return ids, nil
	})
}

// pgNow is the time of a write, at the microsecond precision PostgreSQL
// keeps, so what Upsert returns equals what Get reads back.
func pgNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func pgUpsert(ctx context.Context, tx pgx.Tx, c Case, now time.Time) (Case, error) {
	// Lock the case row (if any) so concurrent upserts of one case merge
	// one after the other.
	existing, err := pgLoad(ctx, tx, c.ID, true, true)
	if err != nil {
		return Case{}, err
	}
	var old Case
	if len(existing) == 0 {
		old = Case{ID: c.ID, CreatedAt: now}
		if !c.CreatedAt.IsZero() {
			old.CreatedAt = c.CreatedAt.UTC().Truncate(time.Microsecond)
		}
	} else {
		old = existing[0]
	}
	merged := Merge(old, c)
	merged.UpdatedAt = now
	for i := range merged.Media {
		if merged.Media[i].AddedAt.IsZero() {
			merged.Media[i].AddedAt = now
		} else {
			merged.Media[i].AddedAt = merged.Media[i].AddedAt.UTC().Truncate(time.Microsecond)
		}
	}
	if err := merged.Validate("", false); err != nil {
		return Case{}, err
	}
	tags, _ := json.Marshal(nonNil(merged.Tags))
	_, err = tx.Exec(ctx, `INSERT INTO cases (id, title, claim, rating, category, tags, first_seen, created_at, updated_at, `+caseReviewCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, claim = excluded.claim, rating = excluded.rating,
			category = excluded.category, tags = excluded.tags, first_seen = excluded.first_seen, updated_at = excluded.updated_at,
			claimant = excluded.claimant, claimant_url = excluded.claimant_url, original_context = excluded.original_context,
			appearances = excluded.appearances, media_appearances = excluded.media_appearances`,
		append([]any{merged.ID, merged.Title, merged.Claim, merged.Rating, string(merged.Category), string(tags), merged.FirstSeen,
			merged.CreatedAt, merged.UpdatedAt}, caseReviewValues(&merged)...)...)
	if err != nil {
		return Case{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM fact_checks WHERE case_id = $1`, merged.ID); err != nil {
		return Case{}, err
	}
	for i, fc := range merged.FactChecks {
		_, err := tx.Exec(ctx, `INSERT INTO fact_checks (case_id, seq, publisher, url, title, rating, date, language, `+factCheckReviewCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			append([]any{merged.ID, i, fc.Publisher, fc.URL, fc.Title, fc.Rating, fc.Date, fc.Language}, factCheckReviewValues(&fc)...)...)
		if err != nil {
			return Case{}, err
		}
	}
	// Media are never rewritten: only those new to the case are inserted.
	for i, m := range merged.Media[len(old.Media):] {
		if err := pgInsertMedia(ctx, tx, merged.ID, len(old.Media)+i, m); err != nil {
			return Case{}, err
		}
	}
	return merged, nil
}

// hashBytes stores a PDQ hash as 32 bytes: its four words, big-endian.
func hashBytes(h pdq.Hash) []byte {
	b := make([]byte, 32)
	for i, w := range h {
		binary.BigEndian.PutUint64(b[8*i:], w)
	}
	return b
}

func hashFromBytes(b []byte) (pdq.Hash, error) {
	var h pdq.Hash
	if len(b) != 32 {
		return h, fmt.Errorf("PDQ hash of %d bytes, want 32", len(b))
	}
	for i := range h {
		h[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return h, nil
}

func pgInsertMedia(ctx context.Context, tx pgx.Tx, caseID string, seq int, m Media) error {
	fp := m.Fingerprint
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO media (case_id, seq, sha256, name, note, added_at, kind, format, codec, width, height, duration, fps, fingerprint_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		caseID, seq, m.SHA256, m.Name, m.Note, m.AddedAt, string(fp.Kind), fp.Format, fp.Codec,
		fp.Width, fp.Height, fp.Duration, fp.FPS, m.FingerprintVersion()).Scan(&id)
	if err != nil {
		return err
	}
	frames := make([][]any, 0, len(fp.Frames))
	var views, signals, locals [][]any
	for i, f := range fp.Frames {
		frames = append(frames, []any{id, i, f.T, hashBytes(f.PDQ), f.Quality})
		if len(f.Local) > 0 {
			locals = append(locals, []any{id, i, f.Local})
		}
		for j, v := range f.Views {
			views = append(views, []any{id, i, j, v.Name, hashBytes(v.PDQ), v.Quality})
		}
		for _, sv := range f.Signals {
			signals = append(signals, []any{id, i, sv.Type, sv.Version, sv.Value, sv.Quality})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"frames"}, []string{"media_id", "seq", "t", "pdq", "quality"}, pgx.CopyFromRows(frames)); err != nil {
		return err
	}
	if len(views) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"views"}, []string{"media_id", "frame_seq", "seq", "name", "pdq", "quality"}, pgx.CopyFromRows(views)); err != nil {
			return err
		}
	}
	if len(locals) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"local_features"}, []string{"media_id", "frame_seq", "data"}, pgx.CopyFromRows(locals)); err != nil {
			return err
		}
	}
	if len(m.Thumbnails) > 0 {
		rows := make([][]any, len(m.Thumbnails))
		for i, t := range m.Thumbnails {
			rows[i] = []any{id, t.Frame, t.JPEG}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"thumbnails"}, []string{"media_id", "frame", "jpeg"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	if len(signals) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"signals"}, []string{"media_id", "frame_seq", "type", "version", "value", "quality"}, pgx.CopyFromRows(signals)); err != nil {
			return err
		}
	}
	return nil
}

// WithDigest implements Store.
func (s *Postgres) WithDigest(ctx context.Context, sha256 string) ([]MediaRef, error) {
	var out []MediaRef
	err := s.read(ctx, func(tx pgx.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, `SELECT case_id, name FROM media WHERE sha256 = $1 ORDER BY case_id, seq`, sha256)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m MediaRef
			if err := rows.Scan(&m.CaseID, &m.Name); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// Get implements Store.
func (s *Postgres) Get(ctx context.Context, id string) (Case, error) {
	var out Case
	err := s.read(ctx, func(tx pgx.Tx) error {
		cases, err := pgLoad(ctx, tx, id, true, false)
		if err != nil {
			return err
		}
		if len(cases) == 0 {
			return fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		out = cases[0]
		return nil
	})
	return out, err
}

// read runs fn in a read-only transaction that sees one snapshot of the
// database.
func (s *Postgres) read(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return pgError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return pgError(err)
	}
	return pgError(tx.Commit(ctx))
}

// All implements Store.
func (s *Postgres) All(ctx context.Context) ([]Case, error) {
	var out []Case
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = pgLoad(ctx, tx, "", true, false)
		return err
	})
	return out, err
}

// Each implements Store: the cases are read eachPage at a time, in one
// repeatable-read transaction.
func (s *Postgres) Each(ctx context.Context, fn func(Case) error) error {
	return s.read(ctx, func(tx pgx.Tx) error {
		return eachPaged(func(after string) ([]Case, error) {
			rows, err := tx.Query(ctx, `SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2`, after, eachPage)
			if err != nil {
				return nil, err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil || len(ids) == 0 {
				return nil, err
			}
			return pgLoadIDs(ctx, tx, "", ids, true, false)
		}, fn)
	})
}

// pgLoad reads one case (id != "") or all cases, ordered by id; lock takes
// a row lock on the case for an update.
func pgLoad(ctx context.Context, tx pgx.Tx, id string, withFrames, lock bool) ([]Case, error) {
	return pgLoadIDs(ctx, tx, id, nil, withFrames, lock)
}

// pgLoadIDs reads the cases named by one id, by a list of ids (ids != nil)
// or all of them.
func pgLoadIDs(ctx context.Context, tx pgx.Tx, id string, ids []string, withFrames, lock bool) ([]Case, error) {
	where, args := "", []any{}
	switch {
	case ids != nil:
		where, args = " WHERE id = ANY($1)", []any{ids}
	case id != "":
		where, args = " WHERE id = $1", []any{id}
	}
	suffix := " ORDER BY id"
	if lock {
		suffix += " FOR UPDATE"
	}
	rows, err := tx.Query(ctx, `SELECT id, title, claim, rating, category, tags, first_seen, created_at, updated_at, `+caseReviewCols+` FROM cases`+where+suffix, args...)
	if err != nil {
		return nil, err
	}
	var cases []Case
	byID := map[string]int{}
	for rows.Next() {
		var c Case
		var tags string
		var rev caseReviewScan
		if err := rows.Scan(append([]any{&c.ID, &c.Title, &c.Claim, &c.Rating, &c.Category, &tags, &c.FirstSeen, &c.CreatedAt, &c.UpdatedAt}, rev.targets(&c)...)...); err != nil {
			rows.Close()
			return nil, err
		}
		if err := rev.decode(&c); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
			rows.Close()
			return nil, fmt.Errorf("case %s: tags: %w", c.ID, err)
		}
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		c.Media, c.FactChecks = []Media{}, []FactCheck{}
		byID[c.ID] = len(cases)
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, nil
	}
	caseFilter := strings.Replace(where, "WHERE id", "WHERE case_id", 1)
	rows, err = tx.Query(ctx, `SELECT case_id, publisher, url, title, rating, date, language, `+factCheckReviewCols+` FROM fact_checks`+caseFilter+` ORDER BY case_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var cid string
		var fc FactCheck
		var rev factCheckReviewScan
		if err := rows.Scan(append([]any{&cid, &fc.Publisher, &fc.URL, &fc.Title, &fc.Rating, &fc.Date, &fc.Language}, rev.targets(&fc)...)...); err != nil {
			rows.Close()
			return nil, err
		}
		if err := rev.decode(&fc); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := byID[cid]; ok {
			cases[i].FactChecks = append(cases[i].FactChecks, fc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT id, case_id, sha256, name, note, added_at, kind, format, codec, width, height, duration, fps, fingerprint_version FROM media`+caseFilter+` ORDER BY case_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	mediaPos := map[int64]mediaAt{}
	for rows.Next() {
		var mid int64
		var cid string
		var m Media
		fp := &m.Fingerprint
		if err := rows.Scan(&mid, &cid, &m.SHA256, &m.Name, &m.Note, &m.AddedAt, &fp.Kind, &fp.Format, &fp.Codec, &fp.Width, &fp.Height, &fp.Duration, &fp.FPS, &m.Version); err != nil {
			rows.Close()
			return nil, err
		}
		m.AddedAt = m.AddedAt.UTC()
		fp.Frames = []fingerprint.Frame{}
		if i, ok := byID[cid]; ok {
			mediaPos[mid] = mediaAt{i, len(cases[i].Media)}
			cases[i].Media = append(cases[i].Media, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !withFrames {
		return cases, nil
	}
	mediaFilter := ""
	if where != "" {
		mediaFilter = " WHERE media_id IN (SELECT id FROM media" + caseFilter + ")"
	}
	rows, err = tx.Query(ctx, `SELECT media_id, t, pdq, quality FROM frames`+mediaFilter+` ORDER BY media_id, seq`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var mid int64
		var f fingerprint.Frame
		var p []byte
		if err := rows.Scan(&mid, &f.T, &p, &f.Quality); err != nil {
			rows.Close()
			return nil, err
		}
		if f.PDQ, err = hashFromBytes(p); err != nil {
			rows.Close()
			return nil, fmt.Errorf("media %d: %w", mid, err)
		}
		if at, ok := mediaPos[mid]; ok {
			fr := &cases[at.c].Media[at.m].Fingerprint.Frames
			*fr = append(*fr, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT media_id, frame_seq, name, pdq, quality FROM views`+mediaFilter+` ORDER BY media_id, frame_seq, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var seq int
		var v fingerprint.View
		var p []byte
		if err := rows.Scan(&mid, &seq, &v.Name, &p, &v.Quality); err != nil {
			return nil, err
		}
		if v.PDQ, err = hashFromBytes(p); err != nil {
			return nil, fmt.Errorf("media %d: view: %w", mid, err)
		}
		if f := frameAt(cases, mediaPos, mid, seq); f != nil {
			f.Views = append(f.Views, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	srows, err := tx.Query(ctx, `SELECT media_id, frame_seq, type, version, value, quality FROM signals`+mediaFilter+` ORDER BY media_id, frame_seq, type`, args...)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var mid int64
		var seq int
		var sv fingerprint.Signal
		if err := srows.Scan(&mid, &seq, &sv.Type, &sv.Version, &sv.Value, &sv.Quality); err != nil {
			return nil, err
		}
		if f := frameAt(cases, mediaPos, mid, seq); f != nil {
			f.Signals = append(f.Signals, sv)
		}
	}
	if err := srows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT media_id, frame_seq, data FROM local_features`+mediaFilter+` ORDER BY media_id, frame_seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var seq int
		var data []byte
		if err := rows.Scan(&mid, &seq, &data); err != nil {
			return nil, err
		}
		if f := frameAt(cases, mediaPos, mid, seq); f != nil {
			f.Local = data
		}
	}
	return cases, rows.Err()
}

// List implements Store.
func (s *Postgres) List(ctx context.Context) ([]Summary, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.id, c.title, c.rating, c.category, c.updated_at,
		(SELECT COUNT(*) FROM media m WHERE m.case_id = c.id),
		(SELECT COUNT(*) FROM frames f JOIN media m ON f.media_id = m.id WHERE m.case_id = c.id),
		(SELECT COUNT(*) FROM fact_checks k WHERE k.case_id = c.id),
		(SELECT COALESCE(string_agg(DISTINCT m.fingerprint_version, ',' ORDER BY m.fingerprint_version), '') FROM media m WHERE m.case_id = c.id)
		FROM cases c ORDER BY c.id`)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var s Summary
		var versions string
		if err := rows.Scan(&s.ID, &s.Title, &s.Rating, &s.Category, &s.UpdatedAt, &s.Media, &s.Frames, &s.FactChecks, &versions); err != nil {
			return nil, pgError(err)
		}
		s.Versions = splitVersions(versions)
		s.UpdatedAt = s.UpdatedAt.UTC()
		out = append(out, s)
	}
	return out, pgError(rows.Err())
}

// Remove implements Store.
func (s *Postgres) Remove(ctx context.Context, id string) error {
	return s.write(ctx, func(tx pgx.Tx) ([]string, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM cases WHERE id = $1`, id)
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() == 0 {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		return []string{id}, nil
	})
}

// AddStopFrames implements StopList.
func (s *Postgres) AddStopFrames(ctx context.Context, frames []StopFrame) (int, error) {
	var p problems
	validateStopFrames(&p, "stop_frames", frames)
	if err := p.err(); err != nil {
		return 0, err
	}
	added := 0
	err := s.write(ctx, func(tx pgx.Tx) ([]string, error) {
		var err error
		added, err = pgAddStopFrames(ctx, tx, frames, pgNow())
		return []string{stopFramesChanged}, err
	})
	return added, err
}

func pgAddStopFrames(ctx context.Context, tx pgx.Tx, frames []StopFrame, now time.Time) (int, error) {
	added := 0
	for _, f := range frames {
		tag, err := tx.Exec(ctx, `INSERT INTO stop_frames (source, pdq, added_at, local) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			f.Source, hashBytes(f.PDQ), now, nilIfEmpty(f.Local))
		if err != nil {
			return 0, err
		}
		added += int(tag.RowsAffected())
	}
	return added, nil
}

// StopFrames implements StopList.
func (s *Postgres) StopFrames(ctx context.Context) ([]StopFrame, error) {
	rows, err := s.pool.Query(ctx, `SELECT source, pdq, local FROM stop_frames ORDER BY id`)
	if err != nil {
		return nil, pgError(err)
	}
	return pgStopFrames(rows)
}

func pgStopFrames(rows pgx.Rows) ([]StopFrame, error) {
	defer rows.Close()
	out := []StopFrame{}
	for rows.Next() {
		var f StopFrame
		var p []byte
		if err := rows.Scan(&f.Source, &p, &f.Local); err != nil {
			return nil, pgError(err)
		}
		h, err := hashFromBytes(p)
		if err != nil {
			return nil, fmt.Errorf("stop frame: %w", err)
		}
		f.PDQ = h
		out = append(out, f)
	}
	return out, pgError(rows.Err())
}

// ClearStopFrames implements StopList.
func (s *Postgres) ClearStopFrames(ctx context.Context) (int, error) {
	n := 0
	err := s.write(ctx, func(tx pgx.Tx) ([]string, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM stop_frames`)
		n = int(tag.RowsAffected())
		return []string{stopFramesChanged}, err
	})
	return n, err
}

// Changes implements ChangeLog.
func (s *Postgres) Changes(ctx context.Context, since int64) (Changes, error) {
	var ch Changes
	err := s.read(ctx, func(tx pgx.Tx) error {
		var floor int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT value FROM meta WHERE key = 'generation'), (SELECT value FROM meta WHERE key = 'log_floor')`).Scan(&ch.Generation, &floor); err != nil {
			return err
		}
		if since < floor || since > ch.Generation {
			ch.Full = true
			return nil
		}
		if since == ch.Generation {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT case_id FROM changes WHERE generation > $1`, since)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		return ch.fill(ids, func(ids []string) ([]Case, error) {
			return pgLoadIDs(ctx, tx, "", ids, true, false)
		}, func() ([]StopFrame, error) {
			rows, err := tx.Query(ctx, `SELECT source, pdq, local FROM stop_frames ORDER BY id`)
			if err != nil {
				return nil, err
			}
			return pgStopFrames(rows)
		})
	})
	return ch, err
}
