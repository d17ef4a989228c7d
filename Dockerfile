# kling-ui studio.
#   docker build -t kling-ui .
#   docker run -p 7860:7860 -v kling-data:/data -e RUNCOMFY_API_KEY=... kling-ui
# No keys are baked in: pass them at run time (-e or --env-file). Without any, the studio
# runs on the free offline preview.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_TEMP_DIR=/home/app/gradio \
    KLING_UI_DATA_DIR=/data

# PyAV's wheel bundles FFmpeg (libx264, AAC): no system packages are needed.
# Gradio's upload folder belongs to the app user (a shared /tmp/gradio may belong to root).
RUN useradd --create-home --uid 1000 app \
    && mkdir -p /data /home/app/gradio \
    && chown app:app /data /home/app/gradio

WORKDIR /home/app/studio
COPY --chown=app:app requirements.txt ./
RUN pip install -r requirements.txt
COPY --chown=app:app app.py ./
COPY --chown=app:app kling_ui ./kling_ui

USER app
VOLUME ["/data"]
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:7860/', timeout=4).status != 200)"]
CMD ["python", "app.py"]
