"""Local HTTP stand-ins for the platforms the bot talks to, for tests on loopback only."""
