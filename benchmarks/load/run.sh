#!/usr/bin/env bash
# Load test: gunicorn (2 workers × 4 threads) + PostgreSQL on loopback, 100 users (log-in ramp) for 90 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/countyinno_load}
export DEBUG=0 SECRET_KEY=${SECRET_KEY:-load-test-secret-key-$(python3 -c "import secrets;print(secrets.token_hex(32))")}
.venv/bin/pip install -q -c requirements.lock -e ".[load]"  # locust: kept out of the test install
export ALLOWED_HOSTS=127.0.0.1 LOGIN_MAX_FAILURES=1000 PASSWORD_MAX_AGE_DAYS=0 JOB_BACKEND=sync
psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='countyinno_load'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE countyinno_load" >/dev/null
.venv/bin/countyinno migrate --noinput -v0
.venv/bin/countyinno createcachetable
.venv/bin/countyinno demo >/dev/null
.venv/bin/countyinno collectstatic --noinput -v0
.venv/bin/gunicorn countyinno.wsgi:application --bind 127.0.0.1:8077 --workers 2 --threads 4 -k gthread \
  --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN' EXIT
sleep 4
.venv/bin/locust -f benchmarks/load/locustfile.py --headless -u ${USERS:-100} -r ${RAMP:-20} -t ${DURATION:-90s} --host http://127.0.0.1:8077 \
  --csv var/load --only-summary
