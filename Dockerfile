# Multi-stage: build the wheel and its dependencies, then a slim runtime with a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY coach ./coach
COPY storage ./storage
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/coach.db \
    MPLCONFIGDIR=/tmp/matplotlib
RUN useradd --create-home --uid 10001 rekindle \
 && mkdir -p /data && chown rekindle:rekindle /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER rekindle
WORKDIR /home/rekindle
VOLUME ["/data"]
# Webhook mode (WEBHOOK_URL set) listens here; set WEBHOOK_LISTEN=0.0.0.0 in a container.
EXPOSE 8080
CMD ["python", "-m", "bot"]
