"""`python -m bench`: bulk-import and read figures measured on this machine, for the README.

Everything runs against throwaway databases (a temporary SQLite file, a throwaway PostgreSQL cluster) and a
uvicorn on 127.0.0.1; load is bounded in time and never leaves loopback.
"""
