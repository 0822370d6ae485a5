// Runs one SQL statement through the ClickHouse JDBC driver and prints the column names (after #), then the rows, tab-separated,
// one per line (SQL NULL as \N). Used by test/jdbc-client.ts as a client nobody here wrote.
// `@metadata <database>` instead of SQL browses the database the way DBeaver does (DatabaseMetaData: product, schemas,
// tables, columns, primary keys, type info) and prints one row per finding: kind, name, detail.
// Usage: java -cp <classes>:<driver jars> Query <jdbc url> <sql | @metadata database> [user [password]]
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.Properties;

public class Query {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    if (args.length > 2) props.setProperty("user", args[2]);
    if (args.length > 3) props.setProperty("password", args[3]);
    try (Connection connection = DriverManager.getConnection(args[0], props)) {
      if (args[1].startsWith("@metadata ")) {
        metadata(connection.getMetaData(), args[1].substring("@metadata ".length()).trim());
        return;
      }
      try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(args[1])) {
        ResultSetMetaData meta = rows.getMetaData();
        StringBuilder header = new StringBuilder("#");
        for (int i = 1; i <= meta.getColumnCount(); i++) header.append(i > 1 ? "\t" : "").append(meta.getColumnName(i));
        System.out.println(header);
        while (rows.next()) {
          StringBuilder line = new StringBuilder();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            String value = rows.getString(i);
            line.append(i > 1 ? "\t" : "").append(value == null ? "\\N" : value);
          }
          System.out.println(line);
        }
      }
    }
  }

  private static void metadata(DatabaseMetaData meta, String database) throws Exception {
    System.out.println("#kind\tname\tdetail");
    System.out.println("product\t" + meta.getDatabaseProductName() + "\t" + meta.getDatabaseProductVersion());
    try (ResultSet rows = meta.getSchemas()) {
      while (rows.next()) System.out.println("schema\t" + rows.getString("TABLE_SCHEM") + "\t");
    }
    try (ResultSet rows = meta.getTables(null, database, "%", null)) {
      while (rows.next()) System.out.println("table\t" + rows.getString("TABLE_NAME") + "\t" + rows.getString("TABLE_TYPE"));
    }
    try (ResultSet rows = meta.getColumns(null, database, "%", "%")) {
      while (rows.next()) {
        System.out.println("column\t" + rows.getString("TABLE_NAME") + "." + rows.getString("COLUMN_NAME") + "\t" + rows.getString("TYPE_NAME"));
      }
    }
    try (ResultSet rows = meta.getPrimaryKeys(null, database, "events")) {
      while (rows.next()) System.out.println("key\t" + rows.getString("TABLE_NAME") + "." + rows.getString("COLUMN_NAME") + "\t");
    }
    int types = 0;
    try (ResultSet rows = meta.getTypeInfo()) {
      while (rows.next()) types++;
    }
    System.out.println("types\t" + (types > 0 ? "some" : "none") + "\t");
  }
}
