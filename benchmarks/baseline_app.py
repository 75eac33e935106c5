"""The baseline for bench_web.py: a minimal Flask + psycopg app doing the same SELECTs with a plain
`WHERE tenant_id = …` (no ORM, no wall, no templates, no audit), one connection per worker."""
import os

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
TENANT = int(os.environ.get("BENCH_TENANT", "1"))
URL = os.environ.get("BENCH_DATABASE_URL", "").replace("postgresql+psycopg://", "postgresql://")
_conn = None


def _db():
    global _conn
    if _conn is None:
        _conn = psycopg.connect(URL, autocommit=True)
    return _conn


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/cases")
def cases():
    sql = ("SELECT c.id, c.status, c.opened_on, k.pseudonym FROM cases c JOIN clients k ON k.id = c.client_id "
           "WHERE c.tenant_id = %s")
    params: list = [TENANT]
    if request.args.get("status"):
        sql += " AND c.status = %s"
        params.append(request.args["status"])
    if request.args.get("q"):
        sql += " AND k.search_text LIKE %s"
        params.append(f"%{request.args['q']}%")
    sql += " ORDER BY c.opened_on DESC, c.id DESC LIMIT 50"
    rows = _db().execute(sql, params).fetchall()
    return jsonify([{"id": r[0], "status": r[1], "opened_on": r[2].isoformat(), "pseudonym": r[3]} for r in rows])


@app.get("/services/<int:case_id>")
def services(case_id: int):
    rows = _db().execute(
        'SELECT e.id, e."on", e.minutes, e.note, a.name FROM service_entries e JOIN service_areas a '
        'ON a.id = e.service_area_id WHERE e.tenant_id = %s AND e.case_id = %s ORDER BY e."on" DESC, e.id DESC '
        "LIMIT 200", (TENANT, case_id)).fetchall()
    return jsonify([{"id": r[0], "on": r[1].isoformat(), "minutes": r[2], "note": r[3], "area": r[4]} for r in rows])
