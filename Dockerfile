# One image for every service; compose.yaml picks the module to run.
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
# WeasyPrint's Pango and HarfBuzz (with the subsetter), and fonts for every script a name may use.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-noto-core fonts-noto-cjk fonts-noto-extra fonts-noto-ui-core fonts-noto-color-emoji fontconfig \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY schemas ./schemas
COPY services ./services
COPY examples ./examples
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH CONGRESS_HOME=/data
VOLUME /data
CMD ["congress", "--help"]
