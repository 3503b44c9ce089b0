"""MLS listings from RESO Web API feeds: client, mapping, replication, and the
local RESO feed used in development and tests."""
