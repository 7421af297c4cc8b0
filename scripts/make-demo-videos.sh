#!/bin/sh
# make-demo-videos.sh DIR — a small demo library of LangFlix clips with
# sidecars, made with ffmpeg: each clip looks like a LangFlix short (the
# show and episode on top, the expression large, its translation under it,
# a moving bar), drawn in Noto Sans CJK (fonts-noto-cjk) so Korean shows.
# Existing files are kept, so a second run does nothing. Some clips fit
# TikTok, some deliberately don't:
#   break-the-ice.mp4        720x1280 30 fps 5 s   ready
#   piece-of-cake.mp4        720x1280 30 fps 6 s   ready (numeric episode)
#   spill-the-beans.mov      720x1280 25 fps 4 s   ready (a .mov)
#   slow-frame-rate.mp4      720x1280 15 fps 5 s   not ready: frame rate
#   too-small.mp4            320x240  30 fps 4 s   not ready: width and height
# (The title full of <b>&"' that tests escaping lives in the tests, not here.)
set -eu

dir=${1:?usage: make-demo-videos.sh DIR}
command -v ffmpeg >/dev/null 2>&1 || { echo "make-demo-videos: ffmpeg is required" >&2; exit 1; }
mkdir -p "$dir"

# The face the text is drawn in: Noto Sans CJK when installed, else
# DejaVu; without either the clips are plain colour.
font=
for f in /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc \
	/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf; do
	[ -r "$f" ] && { font=$f; break; }
done

# video NAME SIZE FPS SECONDS COLOUR TOP EXPRESSION TRANSLATION — write
# DIR/NAME unless it exists; via a temporary name so an interrupted run
# never leaves half a video behind. The texts go through files (drawtext's
# textfile), so no quoting of ':' or quotes is needed.
video() {
	name=$1 size=$2 fps=$3 secs=$4 colour=$5
	out="$dir/$name"
	[ -e "$out" ] && return 0
	ext=${name##*.}
	tmp="$dir/.tmp-$$.$ext"
	vf=null
	if [ -n "$font" ]; then
		printf '%s' "$6" > "$dir/.top-$$"
		printf '%s' "$7" > "$dir/.expr-$$"
		printf '%s' "$8" > "$dir/.tr-$$"
		printf 'LangFlix' > "$dir/.brand-$$"
		d="fontfile=$font:fontcolor=white"
		vf="drawtext=$d:textfile=$dir/.top-$$:fontsize=h/34:x=(w-text_w)/2:y=h*0.12"
		vf="$vf,drawtext=$d:textfile=$dir/.expr-$$:fontsize=h/16:x=(w-text_w)/2:y=h*0.40"
		vf="$vf,drawtext=$d:fontcolor=0xffd166:textfile=$dir/.tr-$$:fontsize=h/26:x=(w-text_w)/2:y=h*0.52"
		vf="$vf,drawtext=$d:fontcolor=0xff6b86:textfile=$dir/.brand-$$:fontsize=h/30:x=(w-text_w)/2:y=h*0.86"
		vf="$vf,drawbox=x=0:y=ih*0.80:w=iw:h=ih/160:color=white@0.25:t=fill"
		vf="$vf,drawtext=$d:text=━━:fontsize=h/40:x=mod(t*w/$secs\,w):y=h*0.79"
	fi
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "color=c=$colour:size=$size:rate=$fps:duration=$secs" \
		-f lavfi -i "sine=frequency=440:beep_factor=4:duration=$secs" \
		-vf "$vf" -c:v libx264 -preset ultrafast -crf 30 -pix_fmt yuv420p \
		-c:a aac -b:a 48k -shortest "$tmp"
	rm -f "$dir/.top-$$" "$dir/.expr-$$" "$dir/.tr-$$" "$dir/.brand-$$"
	mv "$tmp" "$out"
	echo "made $out"
}

# sidecar NAME JSON — DIR/NAME.meta.json unless it exists
sidecar() {
	out="$dir/$1.meta.json"
	[ -e "$out" ] && return 0
	printf '%s\n' "$2" > "$out.tmp-$$"
	mv "$out.tmp-$$" "$out"
}

video break-the-ice.mp4 720x1280 30 5 0x1b2a41 "Suits · S01E02" "break the ice" "romper el hielo"
sidecar break-the-ice.mp4 '{
  "expression": "break the ice",
  "expression_translation": "romper el hielo",
  "title": "How Harvey breaks the ice in a tense meeting",
  "title_translation": "Cómo Harvey rompe el hielo en una reunión tensa",
  "catchy_keywords": ["break the ice", "small talk", "business English", "Suits"],
  "language": "en",
  "learn_language": "es",
  "show_name": "Suits",
  "episode": "S01E02",
  "generated_at": "2026-09-01T10:15:00Z"
}'

video piece-of-cake.mp4 720x1280 30 6 0x2d1b41 "Friends · 205" "a piece of cake" "식은 죽 먹기"
sidecar piece-of-cake.mp4 '{
  "expression": "a piece of cake",
  "expression_translation": "식은 죽 먹기",
  "title": "Joey says the exam was a piece of cake",
  "title_translation": "조이는 시험이 식은 죽 먹기였다고 말해요",
  "catchy_keywords": ["piece of cake", "idioms", "영어 표현", "Friends"],
  "language": "en",
  "learn_language": "ko",
  "show_name": "Friends",
  "episode": 205,
  "generated_at": "2026-09-02T08:00:00Z"
}'

video spill-the-beans.mov 720x1280 25 4 0x1b4135 "The Office · S03E10" "spill the beans" "irse de la lengua"
sidecar spill-the-beans.mov '{
  "expression": "spill the beans",
  "expression_translation": "irse de la lengua",
  "title": "Michael can’t help spilling the beans about the party",
  "title_translation": "Michael no puede evitar irse de la lengua sobre la fiesta",
  "catchy_keywords": ["spill the beans", "secrets", "office English", "The Office"],
  "language": "en",
  "learn_language": "es",
  "show_name": "The Office",
  "episode": "S03E10",
  "generated_at": "2026-09-03T12:30:00Z"
}'

video slow-frame-rate.mp4 720x1280 15 5 0x41291b "Friends · S04E11" "call it a day" "dar por terminado el día"
sidecar slow-frame-rate.mp4 '{
  "expression": "call it a day",
  "expression_translation": "dar por terminado el día",
  "title": "Rachel decides to call it a day",
  "title_translation": "Rachel decide dar por terminado el día",
  "catchy_keywords": ["call it a day", "work idioms"],
  "language": "en",
  "learn_language": "es",
  "show_name": "Friends",
  "episode": "S04E11",
  "generated_at": "2026-09-04T09:00:00Z"
}'

video too-small.mp4 320x240 30 4 0x3a1b1b "Suits · S02E05" "hit the road" "길을 나서다"
sidecar too-small.mp4 '{
  "expression": "hit the road",
  "expression_translation": "길을 나서다",
  "title": "Mike has to hit the road before dawn",
  "title_translation": "마이크는 새벽 전에 길을 나서야 해요",
  "catchy_keywords": ["hit the road", "travel English"],
  "language": "en",
  "learn_language": "ko",
  "show_name": "Suits",
  "episode": "S02E05",
  "generated_at": "2026-09-05T18:45:00Z"
}'
