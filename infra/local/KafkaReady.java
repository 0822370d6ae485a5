// Readiness probe for the local broker, used by `infra/local/stack up` and `status`.
//
// It asks the broker what a client would ask (describeCluster + listTopics through the official
// AdminClient, from the same jars the broker runs), instead of scraping log lines. It retries inside
// one JVM rather than starting a JVM per attempt, which matters on a 2-core machine that is starting
// the broker at the same time, and it gives up early when the broker process has exited.
//
// Usage: KafkaReady <bootstrap> <timeoutMs> [brokerPid]
// Exit codes: 0 ready (prints "cluster=<id> brokers=<n> topics=<n>"), 1 timed out, 2 broker exited,
// 64 bad usage.
import java.util.Collection;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;

public final class KafkaReady {
  private KafkaReady() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: KafkaReady <bootstrap> <timeoutMs> [brokerPid]");
      System.exit(64);
    }
    String bootstrap = args[0];
    long timeoutMs = Long.parseLong(args[1]);
    long brokerPid = args.length > 2 ? Long.parseLong(args[2]) : -1;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);

    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "local-stack-ready");
    // Short timeouts so each attempt fails fast while the broker is still starting.
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
    props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");

    String lastError = "no attempt finished";
    // Never closed: close() waits for in-flight calls, and the JVM exits right after anyway.
    Admin admin = Admin.create(props);
    while (true) {
      if (brokerPid > 0 && !alive(brokerPid)) {
        System.err.println("broker process " + brokerPid + " exited before answering on " + bootstrap);
        System.exit(2);
      }
      try {
        DescribeClusterResult cluster = admin.describeCluster();
        Collection<Node> nodes = cluster.nodes().get(3, TimeUnit.SECONDS);
        String clusterId = cluster.clusterId().get(3, TimeUnit.SECONDS);
        Set<String> topics = admin.listTopics().names().get(3, TimeUnit.SECONDS);
        if (!nodes.isEmpty()) {
          System.out.println("cluster=" + clusterId + " brokers=" + nodes.size() + " topics=" + topics.size());
          System.exit(0);
        }
        lastError = "metadata response listed no brokers";
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      } catch (TimeoutException e) {
        lastError = "no answer within 3 s";
      }
      if (System.nanoTime() >= deadline) {
        System.err.println("kafka at " + bootstrap + " did not answer a metadata request within "
            + timeoutMs + " ms (last error: " + lastError + ")");
        System.exit(1);
      }
      Thread.sleep(200);
    }
  }

  private static boolean alive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent() && handle.get().isAlive();
  }
}
