# shellcheck shell=bash
# ensure_services: start PostgreSQL, Redis and RabbitMQ when they are installed but not
# running (the tests of the distributed mode use them). Missing ones are reported, not
# fatal here: tests that need them skip, or fail under CI=true.
ensure_services() {
    if command -v pg_lsclusters >/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
        echo "starting PostgreSQL" >&2
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
    if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
        echo "starting Redis" >&2
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    fi
    if command -v rabbitmq-server >/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
        echo "starting RabbitMQ" >&2
        rabbitmq-server -detached || true
        for _ in $(seq 1 60); do
            (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break
            sleep 1
        done
    fi
}
