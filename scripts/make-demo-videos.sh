#!/bin/sh
# make-demo-videos.sh DIR — a small demo library of LangFlix clips with
# sidecars, made with ffmpeg's test sources. Existing files are kept, so a
# second run does nothing. Some clips fit TikTok, some deliberately don't:
#   break-the-ice.mp4        720x1280 30 fps 5 s   ready
#   piece-of-cake.mp4        720x1280 30 fps 6 s   ready (numeric episode)
#   html-special-chars.mov   720x1280 25 fps 4 s   ready; title full of <b>&"'
#   slow-frame-rate.mp4      720x1280 15 fps 5 s   not ready: frame rate
#   too-small.mp4            320x240  30 fps 4 s   not ready: width and height
set -eu

dir=${1:?usage: make-demo-videos.sh DIR}
command -v ffmpeg >/dev/null 2>&1 || { echo "make-demo-videos: ffmpeg is required" >&2; exit 1; }
mkdir -p "$dir"

# video NAME SIZE FPS SECONDS HUE — write DIR/NAME unless it exists; via a
# temporary name so an interrupted run never leaves half a video behind.
video() {
	name=$1 size=$2 fps=$3 secs=$4 hue=$5
	out="$dir/$name"
	[ -e "$out" ] && return 0
	ext=${name##*.}
	tmp="$dir/.tmp-$$.$ext"
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=$size:rate=$fps:duration=$secs" \
		-f lavfi -i "sine=frequency=440:beep_factor=4:duration=$secs" \
		-vf "hue=h=$hue" -c:v libx264 -preset ultrafast -crf 38 -pix_fmt yuv420p \
		-c:a aac -b:a 48k -shortest "$tmp"
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

video break-the-ice.mp4 720x1280 30 5 0
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

video piece-of-cake.mp4 720x1280 30 6 90
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

video html-special-chars.mov 720x1280 25 4 180
sidecar html-special-chars.mov '{
  "expression": "to <b>spill</b> the beans",
  "expression_translation": "irse de la lengua & contarlo todo",
  "title": "<b>Spill</b> the beans & \"tell\" '"'"'everything'"'"' <script>alert(1)</script>",
  "title_translation": "Irse de la lengua <i>sin querer</i>",
  "catchy_keywords": ["<b>beans</b>", "a & b", "\"quoted\"", "it'"'"'s"],
  "language": "en",
  "learn_language": "es",
  "show_name": "The Office",
  "episode": "S03E10",
  "generated_at": "2026-09-03T12:30:00Z"
}'

video slow-frame-rate.mp4 720x1280 15 5 270
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

video too-small.mp4 320x240 30 4 45
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
