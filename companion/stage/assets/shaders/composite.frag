#version 150
// What the patient sees: scenes crossfading, the gentle pause dim, and the veil a scene
// fades through or the session ends into. It runs over every pixel, so the stage picks a
// variant with only what is needed now (LAYERS: scenes on show; EFFECTS: dim or veil
// active): on a software renderer each texture read costs milliseconds. (Scenes dither
// their own colour before it is stored, in lib.glsl's finish().)
#ifndef LAYERS
#define LAYERS 3
#endif
#ifndef EFFECTS
#define EFFECTS 1
#endif
uniform sampler2D u_layer0;
uniform sampler2D u_layer1;
uniform sampler2D u_layer2;
uniform vec3 u_weights;
uniform float u_dim;          // 0 awake .. 1 fully paused (never black)
uniform float u_veil;         // 0 .. 1 of the veil colour
uniform vec3 u_veil_color;
noperspective in vec2 v_uv;
out vec4 o_color;

void main() {
#if LAYERS == 0
    vec3 c = vec3(0.0);
#else
    vec3 c = texture(u_layer0, v_uv).rgb;
#endif
#if LAYERS >= 2
    c = c * u_weights.x + u_weights.y * texture(u_layer1, v_uv).rgb;
#endif
#if LAYERS >= 3
    c += u_weights.z * texture(u_layer2, v_uv).rgb;
#endif
#if EFFECTS
    float luma = dot(c, vec3(0.2126, 0.7152, 0.0722));
    vec3 paused = mix(vec3(luma), c, 0.7) * 0.62 + vec3(0.035, 0.04, 0.05);
    c = mix(c, paused, u_dim);
#endif
#if EFFECTS
    c = mix(c, u_veil_color, u_veil);
#endif
    o_color = vec4(c, 1.0);
}
