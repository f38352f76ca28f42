//! rudder-testkit (being built).
