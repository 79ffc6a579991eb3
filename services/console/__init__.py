"""The organisers' console: the live event stream, live figures and per-delegate drill-down."""
