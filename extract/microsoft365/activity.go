package microsoft365

import (
	"context"
	"fmt"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/msgraph"
)

const (
	colRefresh = "Report Refresh Date"
	colUPN     = "User Principal Name"
	// A row of a deleted user: its name is not an account's any more.
	colDeleted     = "Is Deleted"
	colDeletedDate = "Deleted Date"
)

// fetchActivity downloads the active-user report and emits one record per
// row. The report is a 30-day (report_period) picture rebuilt by Microsoft
// every day, so the entity is not incremental: each run stages the whole
// report and the staging SQL turns its last-activity dates into events whose
// ids repeat across runs.
//
// Since 2021 tenants may conceal user, group and site names in reports
// (Microsoft 365 admin center, Org settings › Reports); user principal names
// then arrive as 32 hexadecimal digits that match no account. The connector
// reports the identifiers capability as unavailable and stages the rows as
// they are: the evidence is kept, and the staging SQL joins only real
// names.
func (c *Connector) fetchActivity(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	u := c.c.URL("/reports/getOffice365ActiveUserDetail(period='"+c.period+"')", nil)
	body, err := c.c.Report(ctx, "getOffice365ActiveUserDetail", u)
	if err != nil {
		return "", err
	}
	rows, err := msgraph.ReportRows(body, colRefresh, colUPN)
	if err != nil {
		return "", fmt.Errorf("reading microsoft365 getOffice365ActiveUserDetail report: %w", err)
	}
	concealed := 0
	for i, r := range rows {
		upn, refresh := r.Get(colUPN), r.Get(colRefresh)
		if upn == "" || refresh == "" {
			return "", fmt.Errorf("reading microsoft365 getOffice365ActiveUserDetail report: row %d has no %s or %s", i+2, colUPN, colRefresh)
		}
		if Concealed(upn) {
			concealed++
		}
		id := refresh + "/" + upn
		if strings.EqualFold(r.Get(colDeleted), "True") {
			// A deleted user's name may already belong to a new user, who
			// has a row of their own.
			id += "/deleted/" + r.Get(colDeletedDate)
		}
		if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: r.JSON}); err != nil {
			return "", err
		}
	}
	if concealed > 0 {
		c.capability(extract.CapIdentifiers, false, fmt.Sprintf("the tenant conceals user names in Microsoft 365 usage reports "+
			"(%d of %d rows); their activity cannot be joined to accounts until an administrator turns off "+
			"\"Display concealed user, group, and site names in all reports\"", concealed, len(rows)))
	}
	return "", nil
}

// Concealed reports whether a report's user principal name is a concealed
// (hashed) value rather than a name: a real one always has an @.
func Concealed(upn string) bool { return !strings.Contains(upn, "@") }
