package transformbench

import (
	"context"
	"testing"
	"time"
)

// TestSmallEstate proves a small estate is valid input: every payload
// parses, the transform and load succeed, and every person has an account
// at each of the ten tenants and resolves to one person.
func TestSmallEstate(t *testing.T) {
	ctx := context.Background()
	const people = 300
	est, err := Generate(ctx, t.TempDir(), people, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	r, err := TransformAndLoad(ctx, est.Input, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Datasets["accounts"]; got != 10*people {
		t.Errorf("accounts = %d, want %d", got, 10*people)
	}
	if got := r.Datasets["people"]; got != people {
		t.Errorf("people = %d, want %d", got, people)
	}
	if est.Activity < 40*people || r.Events == 0 || r.Datasets["activity_daily"] == 0 {
		t.Errorf("%d staged activity records, %d events counted, %d activity_daily rows: want about 50 records a person", est.Activity, r.Events, r.Datasets["activity_daily"])
	}
	t.Logf("%d users, %d activity records, %d events; %v", est.Users, est.Activity, r.Events, r.Datasets)
}
