#version 150
// The sky dome: gradient (from the vertices), sun or moon, and (by #define, only where an
// environment has them) soft CLOUDS and the band of the Milky Way (MILKY).
#include "lib.glsl"
uniform float u_clouds;     // cloud cover 0..1
uniform float u_milky;      // how much of the Milky Way shows
uniform sampler2D u_noise_near;  // the noise without mipmaps: for patterns always seen large
in vec3 v_world;
in vec3 v_gradient;
in vec3 v_celestial;
in vec3 v_cloud;       // a cloud's own colour in this light
out vec4 o_color;

void main() {
    vec3 dir = normalize(v_world - u_eye);
    vec3 c = v_gradient + sun_glow(dir) + sun_disc(dir);
#ifdef MILKY
    {
        vec3 d = v_celestial;
        float across = dot(d, vec3(0.2494, 0.4490, 0.8580));   // the band's pole
        float band = exp(-across * across * 14.0);
        // seen at most a few texels per degree: no mipmaps needed (none near the
        // pole of this mapping either, where the band is not)
        vec2 p = vec2(atan(d.y, d.x) * 0.9, d.z * 1.6);
        vec4 noise = texture(u_noise_near, p * 0.35);
        float n = noise.g * 0.7 + noise.r * 0.3;
        c += vec3(0.50, 0.54, 0.72) * (band * smoothstep(0.25, 0.75, n) * 0.30 * u_milky * u_stars
             * smoothstep(0.0, 0.25, dir.z));
    }
#endif
#ifdef CLOUDS
    {
        vec2 p = dir.xy / (dir.z + 0.1) * 0.16 + vec2(u_clock * 0.0040, u_clock * 0.0016);
        vec4 noise = texture(u_noise_near, p);
        float n = noise.b * 0.7 + noise.r * 0.3;
        float cover = smoothstep(0.60 - 0.22 * u_clouds, 0.86, n) * u_clouds;
        cover *= smoothstep(0.0, 0.18, dir.z);
        float toward = pow4(max(dot(dir, u_sun_dir), 0.0));
        vec3 lit_cloud = v_cloud + u_sun_color * (toward * 0.35 * u_sun_glow);
        c = mix(c, lit_cloud, cover * 0.85);   // (cover is 0 below the horizon)
    }
#endif
    o_color = finish(c);
}
