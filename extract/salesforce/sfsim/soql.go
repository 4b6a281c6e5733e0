package sfsim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// query is a parsed SOQL statement of the shapes the simulator models.
type query struct {
	object   string
	fields   []string
	from, to time.Time // LoginHistory window (inclusive)
	window   bool
	limit    int // 0: none
}

// sfError is one element of Salesforce's error array.
type sfError struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

var soqlRE = regexp.MustCompile(`^SELECT\s+(.+?)\s+FROM\s+(\w+)` +
	`(?:\s+WHERE\s+LoginTime\s*>=\s*(\S+)\s+AND\s+LoginTime\s*<=\s*(\S+))?` +
	`(\s+ORDER\s+BY\s+LoginTime\s+ASC\s*,\s*Id\s+ASC)?` +
	`(?:\s+LIMIT\s+(\d+))?\s*$`)

// parseSOQL parses q or returns the error Salesforce would answer.
func parseSOQL(q string) (query, *sfError) {
	m := soqlRE.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return query{}, &sfError{Message: "unexpected token: the simulator models SELECT <fields> FROM <object> [WHERE LoginTime >= … AND LoginTime <= …] [ORDER BY LoginTime ASC, Id ASC] [LIMIT n]", ErrorCode: "MALFORMED_QUERY"}
	}
	out := query{object: m[2]}
	known, ok := objectFields[out.object]
	if !ok {
		return query{}, &sfError{Message: fmt.Sprintf("sObject type '%s' is not supported.", out.object), ErrorCode: "INVALID_TYPE"}
	}
	for _, f := range strings.Split(m[1], ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(known, f) {
			return query{}, &sfError{Message: fmt.Sprintf("No such column '%s' on entity '%s'.", f, out.object), ErrorCode: "INVALID_FIELD"}
		}
		if slices.Contains(out.fields, f) {
			return query{}, &sfError{Message: "duplicate field selected: " + f, ErrorCode: "MALFORMED_QUERY"}
		}
		out.fields = append(out.fields, f)
	}
	if m[3] != "" {
		if out.object != "LoginHistory" {
			return query{}, &sfError{Message: "No such column 'LoginTime' on entity '" + out.object + "'.", ErrorCode: "INVALID_FIELD"}
		}
		var err1, err2 error
		out.from, err1 = time.Parse("2006-01-02T15:04:05Z", m[3])
		out.to, err2 = time.Parse("2006-01-02T15:04:05Z", m[4])
		if err1 != nil || err2 != nil {
			return query{}, &sfError{Message: "value of filter criterion for field 'LoginTime' must be of type dateTime and should not be enclosed in quotes", ErrorCode: "INVALID_QUERY_FILTER_OPERATOR"}
		}
		out.window = true
	}
	if m[5] != "" && out.object != "LoginHistory" {
		return query{}, &sfError{Message: "No such column 'LoginTime' on entity '" + out.object + "'.", ErrorCode: "INVALID_FIELD"}
	}
	if m[6] != "" {
		out.limit, _ = strconv.Atoi(m[6])
	}
	return out, nil
}
