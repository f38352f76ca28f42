//! rudder-policy (being built).
