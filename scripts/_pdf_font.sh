# Sourced by scripts/demo and scripts/test.
# PDFs (statements, label sheets) embed a Chinese font (settings.PDF_CJK_FONT).
font="${SHOUCHUANG_PDF_FONT:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}"
if [ ! -f "$font" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing the PDFs' Chinese font (Debian fonts-wqy-microhei)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends \
             fonts-wqy-microhei >/dev/null; }
  else
    echo "==> note: PDFs need a Chinese font: sudo apt-get install fonts-wqy-microhei" \
         "(or set SHOUCHUANG_PDF_FONT)"
  fi
fi
