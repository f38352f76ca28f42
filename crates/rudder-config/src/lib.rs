//! rudder-config (being built).
