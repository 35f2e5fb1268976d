#version 150
// Equirectangular lookup: straight ahead (+Y) is the middle of the picture, right is +X,
// up is the top. u_band picks this eye's part of a top-bottom stereo picture (offset, scale
// of v); u_turn turns the picture (the look's slow drift), in turns. The look's light is a
// gain (brightness, and the film's comfort guard) and a tint (the time of day). MIPMAPS: a
// photograph with mipmaps (on a GPU); a film's planes and a software renderer's halved
// photograph have none.
uniform sampler2D u_picture;
#ifdef FILM
uniform sampler2D u_picture_u;
uniform sampler2D u_picture_v;
uniform vec3 u_yuv;       // Cr to red, Cb and Cr to green
uniform float u_yuv_b;    // Cb to blue
#endif
uniform vec2 u_band;
uniform float u_turn;
uniform float u_exposure;
uniform float u_gain;
uniform vec3 u_tint;
uniform float u_flip;
in vec3 v_dir;
out vec4 o_color;

const float PI = 3.14159265;

void main() {
    vec3 dir = normalize(v_dir);
    float u = atan(dir.x, dir.y) / (2.0 * PI) + 0.5 + u_turn;
    float v = asin(clamp(dir.z, -1.0, 1.0)) / PI + 0.5;
    v = u_band.x + v * u_band.y;          // measured from the picture's bottom
    vec2 uv = vec2(fract(u), mix(v, 1.0 - v, u_flip));
#ifdef MIPMAPS
    // the seam behind the viewer: take the derivatives of a u that does not jump there
    // (they pick the mipmap level; a picture without mipmaps needs none)
    vec2 seamless = vec2(fract(u + 0.5) - 0.5, uv.y);
    vec2 dx = dFdx(uv), dy = dFdy(uv);
    vec2 sx = dFdx(seamless), sy = dFdy(seamless);
    if (abs(sx.x) + abs(sy.x) < abs(dx.x) + abs(dy.x)) { dx = sx; dy = sy; }
#define READ(picture) textureGrad(picture, uv, dx, dy)
#else
#define READ(picture) texture(picture, uv)
#endif
#ifdef FILM
    // a film's planes as decoded: video-range Y, U, V to colour
    float y = (READ(u_picture).r - 16.0 / 255.0) * (255.0 / 219.0);
    float cb = (READ(u_picture_u).r - 128.0 / 255.0) * (255.0 / 224.0);
    float cr = (READ(u_picture_v).r - 128.0 / 255.0) * (255.0 / 224.0);
    vec3 color = clamp(vec3(y + u_yuv.x * cr, y - u_yuv.y * cb - u_yuv.z * cr, y + u_yuv_b * cb), 0.0, 1.0);
#else
    vec3 color = READ(u_picture).rgb;
#endif
    o_color = vec4(color * u_tint * (u_exposure * u_gain), 1.0);
}
