// Runs one query through clickhouse-go v2 over HTTP (the driver behind Grafana's ClickHouse data
// source) and prints each row as JSON, one per line. Used by test/go-client.ts.
// Usage: go run . <host:port> <database> <sql> [user [password]]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func main() {
	auth := clickhouse.Auth{Database: os.Args[2], Username: "default"}
	if len(os.Args) > 4 {
		auth.Username = os.Args[4]
	}
	if len(os.Args) > 5 {
		auth.Password = os.Args[5]
	}
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{os.Args[1]}, Protocol: clickhouse.HTTP, Auth: auth})
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	if err := conn.Ping(ctx); err != nil {
		fail(err)
	}
	rows, err := conn.Query(ctx, os.Args[3])
	if err != nil {
		fail(err)
	}
	columns := rows.ColumnTypes()
	for rows.Next() {
		values := make([]any, len(columns))
		for i, column := range columns {
			values[i] = reflect.New(column.ScanType()).Interface()
		}
		if err := rows.Scan(values...); err != nil {
			fail(err)
		}
		row := map[string]any{}
		for i, column := range columns {
			row[column.Name()] = reflect.ValueOf(values[i]).Elem().Interface()
		}
		line, _ := json.Marshal(row)
		fmt.Println(string(line))
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
