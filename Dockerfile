FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The CJK font embedded in every PDF (statements, label sheets; settings.PDF_CJK_FONT).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# Hashed, compressed static files for whitenoise (production settings need a key at build time
# only to start; the real one comes from .env at run time).
RUN pip install --no-cache-dir ".[s3]" \
 && DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput \
 && useradd --create-home shouchuang && mkdir -p var/media && chown -R shouchuang var
USER shouchuang
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
