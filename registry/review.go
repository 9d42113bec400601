package registry

import (
	"encoding/json"
	"fmt"
)

// The schema.org review fields of a case and of a fact-check are stored in
// columns of their own (schema 4): scalars as text, lists and the kept
// unknown properties as JSON.

// caseReviewCols are the extra columns of the cases table, in order.
const caseReviewCols = "claimant, claimant_url, original_context, appearances, media_appearances"

// factCheckReviewCols are the extra columns of the fact_checks table.
const factCheckReviewCols = "publisher_url, rating_value, best_rating, worst_rating, extra"

func caseReviewValues(c *Case) []any {
	apps, _ := json.Marshal(nonNilSlice(c.Appearances))
	media, _ := json.Marshal(nonNilSlice(c.MediaAppearances))
	return []any{c.Claimant, c.ClaimantURL, c.OriginalContext, string(apps), string(media)}
}

// caseReviewScan holds what a row gives before it is decoded into a Case.
type caseReviewScan struct{ apps, media string }

func (r *caseReviewScan) targets(c *Case) []any {
	return []any{&c.Claimant, &c.ClaimantURL, &c.OriginalContext, &r.apps, &r.media}
}

func (r *caseReviewScan) decode(c *Case) error {
	if err := json.Unmarshal([]byte(r.apps), &c.Appearances); err != nil {
		return fmt.Errorf("case %s: appearances: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(r.media), &c.MediaAppearances); err != nil {
		return fmt.Errorf("case %s: media appearances: %w", c.ID, err)
	}
	if len(c.Appearances) == 0 {
		c.Appearances = nil
	}
	if len(c.MediaAppearances) == 0 {
		c.MediaAppearances = nil
	}
	return nil
}

func factCheckReviewValues(fc *FactCheck) []any {
	extra := []byte("{}")
	if len(fc.Extra) > 0 {
		extra, _ = json.Marshal(fc.Extra)
	}
	return []any{fc.PublisherURL, fc.RatingValue, fc.BestRating, fc.WorstRating, string(extra)}
}

type factCheckReviewScan struct{ extra string }

func (r *factCheckReviewScan) targets(fc *FactCheck) []any {
	return []any{&fc.PublisherURL, &fc.RatingValue, &fc.BestRating, &fc.WorstRating, &r.extra}
}

func (r *factCheckReviewScan) decode(fc *FactCheck) error {
	if err := json.Unmarshal([]byte(r.extra), &fc.Extra); err != nil {
		return fmt.Errorf("fact-check %s: extra: %w", fc.URL, err)
	}
	if len(fc.Extra) == 0 {
		fc.Extra = nil
	}
	return nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// reviewMigration adds the review columns (SQLite and PostgreSQL alike).
const reviewMigration = `ALTER TABLE cases ADD COLUMN claimant TEXT NOT NULL DEFAULT '';
	ALTER TABLE cases ADD COLUMN claimant_url TEXT NOT NULL DEFAULT '';
	ALTER TABLE cases ADD COLUMN original_context TEXT NOT NULL DEFAULT '';
	ALTER TABLE cases ADD COLUMN appearances TEXT NOT NULL DEFAULT '[]';
	ALTER TABLE cases ADD COLUMN media_appearances TEXT NOT NULL DEFAULT '[]';
	ALTER TABLE fact_checks ADD COLUMN publisher_url TEXT NOT NULL DEFAULT '';
	ALTER TABLE fact_checks ADD COLUMN rating_value TEXT NOT NULL DEFAULT '';
	ALTER TABLE fact_checks ADD COLUMN best_rating TEXT NOT NULL DEFAULT '';
	ALTER TABLE fact_checks ADD COLUMN worst_rating TEXT NOT NULL DEFAULT '';
	ALTER TABLE fact_checks ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';`
