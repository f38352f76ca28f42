//! rudder-tui (being built).
