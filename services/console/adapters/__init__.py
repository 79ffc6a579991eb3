"""The console's edges: Kafka records, the topic reader, consumer lag, the congress configuration."""
