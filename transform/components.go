package transform

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// goStep is a core table built in Go.
type goStep struct {
	makes string
	reads []string // the tables it reads
	build func(ctx context.Context, conn *sql.Conn) error
}

// coreGoSteps are core tables built in Go, each planned right after the SQL
// table named by the key and before the next core file.
var coreGoSteps = map[string]goStep{
	"int_identity_links": {"int_identity_components", []string{"int_identity_links", "int_identity_persons"}, buildIdentityComponents},
}

// buildIdentityComponents finds the connected components of the identity
// graph (int_identity_links: account nodes to identifier nodes) with a
// union-find and stores, for each account node with a link, the smallest
// node of its component: int_identity_components(node, label). Components
// are unique, so the grouping equals that of the smallest-label propagation
// it replaces; the union keeps the smaller root, so a root is its
// component's smallest node.
func buildIdentityComponents(ctx context.Context, conn *sql.Conn) error {
	var maxNode, accounts int64
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(ident_node), 0) FROM int_identity_links),
		(SELECT count(*) FROM int_identity_persons)`).Scan(&maxNode, &accounts); err != nil {
		return fmt.Errorf("sizing the identity graph: %w", err)
	}
	parent := make([]int64, max(maxNode, accounts)+1)
	for i := range parent {
		parent[i] = int64(i)
	}
	find := func(x int64) int64 {
		for parent[x] != x {
			parent[x] = parent[parent[x]] // path halving
			x = parent[x]
		}
		return x
	}
	linked := make([]bool, accounts+1)
	rows, err := conn.QueryContext(ctx, `SELECT account_node, ident_node FROM int_identity_links`)
	if err != nil {
		return fmt.Errorf("reading the identity graph: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return fmt.Errorf("reading the identity graph: %w", err)
		}
		if a < 1 || a > accounts || b < 1 || b >= int64(len(parent)) {
			return fmt.Errorf("identity graph edge (%d, %d) outside its %d nodes", a, b, len(parent)-1)
		}
		linked[a] = true
		if ra, rb := find(a), find(b); ra < rb {
			parent[rb] = ra
		} else if rb < ra {
			parent[ra] = rb
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the identity graph: %w", err)
	}
	rows.Close()
	var catalog string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&catalog); err != nil {
		return fmt.Errorf("naming the duckdb database: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TABLE int_identity_components (node BIGINT NOT NULL, label BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("creating int_identity_components: %w", err)
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), catalog, "main", "int_identity_components")
		if err != nil {
			return fmt.Errorf("appending identity components: %w", err)
		}
		for n := int64(1); n <= accounts; n++ {
			if !linked[n] {
				continue
			}
			if err := app.AppendRow(n, find(n)); err != nil {
				app.Close()
				return fmt.Errorf("appending identity components: %w", err)
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("appending identity components: %w", err)
		}
		return nil
	})
}
