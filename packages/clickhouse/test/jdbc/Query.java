// Runs one SQL statement through the ClickHouse JDBC driver and prints the column names (after #), then the rows, tab-separated,
// one per line (SQL NULL as \N). Used by test/jdbc-client.ts as a client nobody here wrote.
// Usage: java -cp <classes>:<driver jars> Query <jdbc url> <sql> [user [password]]
import java.sql.Connection;
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
    try (Connection connection = DriverManager.getConnection(args[0], props);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(args[1])) {
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
