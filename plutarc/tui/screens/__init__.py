"""The TUI's screens: fleet, bot detail, activity, positions and orders, help."""
