//! rudder-core (being built).
