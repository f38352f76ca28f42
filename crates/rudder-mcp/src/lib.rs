//! rudder-mcp (being built).
