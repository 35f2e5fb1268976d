// The slow turning of the sky about a tilted pole, shared by stars and the Milky Way.
uniform float u_sky_turn;   // radians turned so far

vec3 turn(vec3 v, float a) {
    vec3 k = normalize(vec3(0.0, 0.55, 0.83));
    return v * cos(a) + cross(k, v) * sin(a) + k * dot(k, v) * (1.0 - cos(a));
}

// From a direction in the world to the same point on the turning sky.
vec3 celestial(vec3 dir) { return turn(dir, u_sky_turn); }
